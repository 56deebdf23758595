// What a run on an accelerator cost: per token and in total, simulated cycles and time at the
// device's clock, energy with its breakdown (sim/energy, docs/energy.md) beside the MAC-array
// twin's, bus utilisation and wall-clock time; per layer type (q/k/v, o, gate/up, down) the
// cycles and the energy; per BitLinear its position under the roofline. The JSON is what
// `trit --report FILE` writes and `make run` turns into build/run/report.json and plots
// (scripts/plot_run.py); docs/report.md documents every key. The text table is the same numbers
// for a person.
//
// The input is the accelerator's submission records (sched::AccelBackend::set_recording): each
// group of BitLinears the device ran, with the device's counters over it, split into spans by the
// caller (the prompt, then each decode token).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sched/accel_backend.hpp"
#include "trit/energy/accelerator.hpp"
#include "trit/energy/counts.hpp"
#include "trit/energy/table.hpp"

namespace trit::report {

// The energy model's counts from the device's counters (one field per counter).
energy::EventCounts event_counts(const driver::Counters& c);

// A stretch of the run: the prompt (kind "prefill", its tokens evaluated in one batch) or one
// decode step (kind "decode", one token), and the submission records it made.
struct Span {
  std::string kind;          // "prefill" or "decode"
  int64_t tokens = 0;        // tokens evaluated in it
  size_t first_record = 0;   // [first_record, end_record) of AccelBackend::records()
  size_t end_record = 0;
  double wall_s = 0;         // host time of the evaluation (simulation included)
};

struct ReportInput {
  std::string model;                        // file path
  std::string device;                       // "sim:r3c5v8b128"
  driver::WeightFormat format = driver::WeightFormat::T5;
  energy::Accelerator accelerator;          // array, FIFO depth, clock (set, possibly nominal)
  bool clock_nominal = false;               // the device did not state its clock
  energy::Table table;                      // the energy table
  nlohmann::json placement;                 // runtime::Placement as JSON
  const std::vector<sched::SubmissionRecord>* records = nullptr;
  std::vector<Span> spans;
};

// The whole report (keys in docs/report.md). Throws energy::EnergyError for an unusable table.
nlohmann::json build_report(const ReportInput& in);
// The summary table for stderr: prefill, decode per token, total; energy by group beside the
// twin's; per layer type.
std::string format_report(const nlohmann::json& report);

// The layer type of a BitLinear group by its tensor names: "attn_qkv", "attn_output",
// "ffn_gate_up", "ffn_down", or "other".
std::string layer_type(const std::vector<std::string>& weights);

}  // namespace trit::report
