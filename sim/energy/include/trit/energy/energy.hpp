#pragma once
// The energy model in one include: event counts, tables, accelerators, settings, the model and
// its reports (docs/energy.md).

#include "trit/energy/accelerator.hpp"  // IWYU pragma: export
#include "trit/energy/counts.hpp"       // IWYU pragma: export
#include "trit/energy/errors.hpp"       // IWYU pragma: export
#include "trit/energy/model.hpp"        // IWYU pragma: export
#include "trit/energy/report.hpp"       // IWYU pragma: export
#include "trit/energy/setting.hpp"      // IWYU pragma: export
#include "trit/energy/table.hpp"        // IWYU pragma: export
