#pragma once

#include <QTest>

// QVERIFY for a pfa::Expected: on failure the test output shows the error's message. The
// expression is evaluated exactly once (it is usually an operation with effects).
#define PFA_VERIFY_OK(expression)                                                                  \
    do {                                                                                           \
        const auto& pfaVerifyResult_ = (expression);                                               \
        QVERIFY2(pfaVerifyResult_.has_value(),                                                     \
                 qPrintable(pfaVerifyResult_ ? QString() : pfaVerifyResult_.error().toString()));  \
    } while (false)
