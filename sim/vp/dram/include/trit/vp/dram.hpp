#pragma once
// DRAM timing model for the virtual platform (docs/dram.md): one rank of DDR4 or LPDDR4 behind an
// in-order controller. The caller (the TLM memory target) hands it accesses in non-decreasing
// arrival time and gets back, for each one, when its data is done; the model knows nothing of
// SystemC, it only does the arithmetic of the JEDEC timing constraints.
//
// What one access does
//   An access of any size and alignment is cut into column accesses (CAS) of burst_bytes() each,
//   aligned, in address order. Each column access goes to one bank (bank group, bank) and row:
//     row hit       the bank has this row open:       CAS
//     row miss      the bank is closed (idle):        ACT, CAS >= ACT + tRCD
//     row conflict  another row is open:              PRE, ACT >= PRE + tRP, CAS >= ACT + tRCD
//   PRE waits for tRAS after the bank's ACT, tRTP after its last read CAS and tWR after the end of
//   its last write data; ACT waits for tRC after the bank's previous ACT.
//
// Scheduling (FCFS, in order)
//   - Data moves on the shared bus in arrival order: a column access's CAS comes after the CAS of
//     every column access that arrived before it, its data after theirs.
//   - Row commands run ahead: the PRE and ACT of an access are issued as soon as its arrival and
//     the bank and rank constraints allow, so a row opening in one bank overlaps the data of
//     earlier accesses to other banks (bank parallelism). ACTs are issued in arrival order.
//   - CAS to CAS: tCCD_S, tCCD_L within a bank group. ACT to ACT: tRRD_S, tRRD_L within a bank
//     group, at most four ACTs in any tFAW. Write to read: tWTR_S / tWTR_L after the end of the
//     write data (CAS_rd >= CAS_wr + tCWL + BL/2 + tWTR). Read to write: CAS_wr >= CAS_rd + tRTW.
//     The data bus is busy burst_length/2 clocks per column access, read data from CAS + tCL,
//     write data from CAS + tCWL.
//   - Refresh: all-bank refresh due every tREFI from time 0. When a column access's CAS would fall
//     at or after the due time, the refresh comes first: every open bank is precharged (as early
//     as its constraints allow, not before the due time), REF follows tRP later and blocks the rank
//     for tRFC; afterwards every bank is closed. The next refresh is due tREFI after the previous
//     due time (the grid does not drift). Postponing or pulling in refreshes is not modelled.
//   - Commands sit on the DRAM clock grid: an arrival between clock edges is taken at the next one.
//     The command bus itself (one command per clock) is not modelled.
//
// Page policy
//   open    rows stay open until a conflict or a refresh closes them.
//   closed  after each access, every bank it opened is precharged as soon as its constraints allow
//           (auto-precharge); rows stay open only within one access.
//
// Done times
//   For a read, the time its last data beat leaves the DRAM data bus plus controller_latency_ps
//   (the fixed cost of the controller front end and PHY, both directions). For a write, the time
//   its last data beat has been transferred to the DRAM, plus controller_latency_ps as well (the
//   write response leaves the controller only after the data is in the DRAM in this model).
//
// Times are in picoseconds (uint64_t, about 213 days of simulated time); DRAM timings in DRAM clock
// cycles (nCK) with the clock period tck_ps. Timing members keep their JEDEC names (tRCD, tWTR_L,
// ...): they are the names of the data sheets and of the preset files.

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace trit::vp {

// A preset or DramTiming that cannot be used; the message names the file (or the timing's name)
// and the key.
class DramConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// How a physical address becomes (row, bank, bank group, column). From the most significant field
// to the least; below them all sits the byte offset within one burst (burst_bytes()).
enum class AddressMapping {
  row_bank_column,     // "row-bank-column": consecutive bursts fill a row, then the next bank group,
                       //   then the next bank (bank group bits lowest in the bank field)
  row_bank_column_bg,  // "row-bank-column-bg": bank group bits just above the burst offset, so
                       //   consecutive bursts alternate bank groups (tCCD_S); each bank group's row
                       //   fills, then the next bank
  row_column_bank,     // "row-column-bank": bank group and bank bits above the burst offset, so
                       //   consecutive bursts visit every bank in turn
};
enum class PagePolicy { open, closed };

std::string_view to_string(AddressMapping m);
std::string_view to_string(PagePolicy p);
std::optional<AddressMapping> parse_address_mapping(std::string_view s);
std::optional<PagePolicy> parse_page_policy(std::string_view s);

struct DramTiming {
  std::string name;         // "ddr4-2400-x64"
  std::string description;

  // Organisation of the rank.
  uint32_t tck_ps = 0;           // DRAM clock period
  uint32_t data_bits = 0;        // data bus width
  uint32_t burst_length = 0;     // beats per column access (two beats per clock)
  uint32_t bank_groups = 0;      // 1 where the standard has none (LPDDR4)
  uint32_t banks_per_group = 0;
  uint32_t rows = 0;             // rows per bank
  uint32_t row_bytes = 0;        // page size of the rank (all devices of the rank together)

  // Timings, nCK.
  uint32_t tCL = 0;     // read CAS to first data (RL)
  uint32_t tCWL = 0;    // write CAS to first data (WL)
  uint32_t tRCD = 0;    // ACT to CAS, same bank
  uint32_t tRP = 0;     // PRE to ACT (or REF), same bank
  uint32_t tRAS = 0;    // ACT to PRE, same bank
  uint32_t tRC = 0;     // ACT to ACT, same bank; at least tRAS + tRP
  uint32_t tWR = 0;     // end of write data to PRE, same bank
  uint32_t tWTR_S = 0;  // end of write data to read CAS, other bank group
  uint32_t tWTR_L = 0;  // end of write data to read CAS, same bank group
  uint32_t tRTP = 0;    // read CAS to PRE, same bank
  uint32_t tCCD_S = 0;  // CAS to CAS, other bank group
  uint32_t tCCD_L = 0;  // CAS to CAS, same bank group
  uint32_t tRRD_S = 0;  // ACT to ACT, other bank group
  uint32_t tRRD_L = 0;  // ACT to ACT, same bank group
  uint32_t tFAW = 0;    // window holding at most four ACTs
  uint32_t tRTW = 0;    // read CAS to write CAS (bus turnaround)
  uint32_t tREFI = 0;   // refresh interval
  uint32_t tRFC = 0;    // REF to next ACT (all-bank refresh)

  // Controller.
  uint32_t controller_latency_ps = 0;  // added to every done time; may be 0
  AddressMapping address_mapping = AddressMapping::row_bank_column;
  PagePolicy page_policy = PagePolicy::open;

  // Where each number comes from, by key (filled by load_preset; empty for timings built in code).
  std::map<std::string, std::string> sources;

  uint32_t burst_bytes() const { return data_bits / 8 * burst_length; }
  uint32_t banks() const { return bank_groups * banks_per_group; }
  uint64_t capacity_bytes() const { return uint64_t{rows} * banks() * row_bytes; }

  // Throws DramConfigError ("<origin>: parameters.<key>: <what>") if a number is zero (only
  // controller_latency_ps may be) or the numbers contradict each other: burst bytes not a power of
  // two, a row not a whole number of bursts, odd burst length, tRC < tRAS + tRP, a _L timing below
  // its _S twin, tRFC >= tREFI. `origin` defaults to the name.
  void validate(const std::string& origin = "") const;
};

// The keys of a preset's "parameters" object, in file order, and the unit each demands ("ps",
// "nCK", "bits", "beats", "count", "bytes"; "" for the two string keys).
struct PresetKey {
  std::string_view name;
  std::string_view unit;
};
const std::vector<PresetKey>& preset_keys();

// Loads a preset: a path to a JSON file, or a name looked up as <name>.json in the directories of
// TRIT_DRAM_PRESETS (colon-separated, searched first) and then sim/vp/presets. Layout:
//
//   {
//     "name": "ddr4-2400-x64", "description": "...",
//     "parameters": {
//       "tRCD": {"value": 16, "unit": "nCK", "source": "JESD79-4 ..."},
//       "address_mapping": {"value": "row-bank-column-bg", "source": "..."},
//       ...                                    every key of preset_keys() exactly once
//     }
//   }
//
// Keys starting with '_' are comments. Numbers are integers > 0 (controller_latency_ps >= 0) in
// the key's unit; every parameter has a non-empty source. Anything else is a DramConfigError that
// names the file and the key.
DramTiming load_preset(const std::string& path_or_name);
// The same from JSON text; `origin` names it in messages.
DramTiming parse_preset(std::string_view json_text, const std::string& origin);
// Names of the presets found (file stems, sorted, without duplicates).
std::vector<std::string> preset_names();

// Where an address lands.
struct DramAddress {
  uint32_t bank_group = 0;
  uint32_t bank = 0;    // within its bank group
  uint32_t row = 0;
  uint32_t column = 0;  // burst index within the row (0 .. row_bytes / burst_bytes - 1)
};

// Counts since construction or the last reset_stats(). Column accesses are the burst-sized pieces
// of the accesses; row_hits + row_misses + row_conflicts = reads + writes.
struct DramStats {
  uint64_t accesses = 0;       // access() calls
  uint64_t reads = 0;          // read column accesses
  uint64_t writes = 0;         // write column accesses
  uint64_t row_hits = 0;
  uint64_t row_misses = 0;     // bank was closed
  uint64_t row_conflicts = 0;  // bank had another row open
  uint64_t activates = 0;
  uint64_t precharges = 0;     // per bank closed: conflicts, auto-precharge, before refresh
  uint64_t refreshes = 0;
  uint64_t read_write_turnarounds = 0;  // a write CAS right after a read CAS
  uint64_t write_read_turnarounds = 0;  // a read CAS right after a write CAS
  uint64_t data_bus_busy_ps = 0;
  uint64_t first_arrival_ps = 0;  // of the first access counted
  uint64_t last_done_ps = 0;      // latest done time returned (controller latency included)
};

class DramModel {
 public:
  // Validates the timing (DramConfigError).
  explicit DramModel(const DramTiming& timing);

  const DramTiming& timing() const { return t_; }

  // One access of `bytes` (> 0) bytes at `addr`, arriving at the controller at `arrival_ps`.
  // Arrivals must not decrease from call to call (std::logic_error); bytes == 0 is
  // std::invalid_argument. Fills `chunk_done_ps` with the done time of each burst-sized, aligned
  // column access the access touches, in address order, and returns the last (the latest) of them.
  uint64_t access(uint64_t addr, uint32_t bytes, bool write, uint64_t arrival_ps,
                  std::vector<uint64_t>& chunk_done_ps);
  // The same when only the time of the last beat matters.
  uint64_t access(uint64_t addr, uint32_t bytes, bool write, uint64_t arrival_ps);

  const DramStats& stats() const { return stats_; }
  // Zeroes the counts; the DRAM state (open rows, pending constraints, refresh grid) stays.
  void reset_stats();
  // data_bus_busy_ps / (last_done_ps - first_arrival_ps); 0 before the first access.
  double bus_utilization() const;
  // data_bits / 8 bytes on both clock edges: the bus's peak, no refresh, no turnaround.
  double peak_bytes_per_second() const;

  // The address mapping, both ways. Address bits above capacity_bytes() are ignored (the row
  // wraps).
  DramAddress decode(uint64_t addr) const;
  uint64_t address_of(const DramAddress& a) const;

 private:
  struct Bank {
    bool open = false;
    bool auto_precharge = false;  // closed policy: close once this access is done
    uint32_t row = 0;
    uint64_t cas_ready_ps = 0;  // earliest CAS to the open row (ACT + tRCD)
    uint64_t pre_ready_ps = 0;  // earliest PRE (tRAS, tRTP, tWR)
    uint64_t act_ready_ps = 0;  // earliest ACT (tRC, PRE + tRP, end of refresh)
  };
  enum class RowCase { hit, miss, conflict };
  // The commands one column access would get if issued now; nothing is changed.
  struct Plan {
    RowCase row_case = RowCase::hit;
    uint64_t pre_ps = 0;
    uint64_t act_ps = 0;
    uint64_t cas_ps = 0;
  };

  uint64_t ps(uint32_t nck) const { return uint64_t{nck} * t_.tck_ps; }
  Plan plan(const DramAddress& a, bool write, uint64_t arrival_ps) const;
  uint64_t commit(const DramAddress& a, bool write, const Plan& p);  // returns the data end
  void refresh(uint64_t arrival_ps);
  void close_bank(Bank& b, uint64_t pre_ps);
  Bank& bank(const DramAddress& a) { return banks_[a.bank_group * t_.banks_per_group + a.bank]; }
  const Bank& bank(const DramAddress& a) const { return banks_[a.bank_group * t_.banks_per_group + a.bank]; }

  DramTiming t_;
  std::vector<Bank> banks_;

  // Rank-wide "earliest next" times; 0 means unconstrained.
  uint64_t act_ready_ps_ = 0;                 // tRRD_S after the last ACT (ACTs stay in order)
  std::vector<uint64_t> act_ready_bg_ps_;     // tRRD_L after the group's last ACT
  uint64_t faw_ps_[4] = {0, 0, 0, 0};         // ACT + tFAW of the last four ACTs (ring)
  unsigned faw_next_ = 0;                     // the oldest entry of the ring
  uint64_t cas_ready_ps_ = 0;                 // tCCD_S after the last CAS
  std::vector<uint64_t> cas_ready_bg_ps_;     // tCCD_L after the group's last CAS
  uint64_t read_ready_ps_ = 0;                // tWTR_S after the last write data
  std::vector<uint64_t> read_ready_bg_ps_;    // tWTR_L after the group's last write data
  uint64_t write_ready_ps_ = 0;               // tRTW after the last read CAS
  uint64_t bus_free_ps_ = 0;                  // end of the last data transfer
  std::optional<bool> last_cas_write_;        // direction of the last CAS
  uint64_t next_refresh_ps_ = 0;              // due time of the next refresh
  uint64_t last_arrival_ps_ = 0;
  bool counting_ = false;                     // an access counted since reset_stats()

  DramStats stats_;
};

}  // namespace trit::vp
