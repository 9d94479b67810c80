#pragma once

#include <QTest>

// QVERIFY for a pfa::Expected: on failure the test output shows the error's message.
#define PFA_VERIFY_OK(result)                                                                      \
    QVERIFY2(static_cast<bool>(result),                                                            \
             qPrintable((result) ? QString() : (result).error().toString()))
