#pragma once

#include "model/FieldValue.h"

#include <QString>

#include <vector>

namespace pfa::model {

// Realistic PFA records for demos, pems-sim and benchmarks: plausible equipment, rates and
// schedules, every record valid under the Validator. Deterministic for a given seed, so a demo
// or a benchmark run can be reproduced exactly.
class SampleRecords final
{
public:
    // Records `PFA-<firstNumber>` … `PFA-<firstNumber + count - 1>` of one organization.
    [[nodiscard]] static std::vector<FieldMap> generate(const QString& organizationCode,
                                                        int firstNumber, int count, quint32 seed);
};

} // namespace pfa::model
