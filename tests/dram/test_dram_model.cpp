// The DRAM timing model against hand arithmetic: a small made-up DRAM with round numbers
// (tCK = 1 ns), and every expected time written as the sum of the timings that should add up.

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "trit/vp/dram.hpp"

namespace trit::vp {
namespace {

// 2 bank groups x 4 banks, 1 KB rows of 16 bursts of 64 bytes.
DramTiming tiny(AddressMapping mapping = AddressMapping::row_bank_column_bg) {
  DramTiming t;
  t.name = "tiny";
  t.tck_ps = 1000;
  t.data_bits = 64;
  t.burst_length = 8;
  t.bank_groups = 2;
  t.banks_per_group = 4;
  t.rows = 1024;
  t.row_bytes = 1024;
  t.tCL = 10;
  t.tCWL = 8;
  t.tRCD = 10;
  t.tRP = 10;
  t.tRAS = 24;
  t.tRC = 34;
  t.tWR = 12;
  t.tWTR_S = 2;
  t.tWTR_L = 6;
  t.tRTP = 5;
  t.tCCD_S = 4;
  t.tCCD_L = 6;
  t.tRRD_S = 4;
  t.tRRD_L = 6;
  t.tFAW = 30;
  t.tRTW = t.tCL + t.tCCD_S + 2 - t.tCWL;
  t.tREFI = 10000;
  t.tRFC = 100;
  t.controller_latency_ps = 5000;
  t.address_mapping = mapping;
  return t;
}

class DramModelTest : public testing::Test {
 protected:
  DramTiming t = tiny();
  uint64_t ck(uint64_t n) const { return n * t.tck_ps; }
  uint32_t half_bl() const { return t.burst_length / 2; }  // clocks of data per burst
  uint64_t lat() const { return t.controller_latency_ps; }
  static uint64_t at(const DramModel& m, uint32_t bg, uint32_t bank, uint32_t row, uint32_t col) {
    return m.address_of({bg, bank, row, col});
  }
};

TEST_F(DramModelTest, ReadToIdleBankThenHitThenConflict) {
  DramModel m(t);
  // Idle bank: ACT, CAS tRCD later, data tCL after the CAS.
  EXPECT_EQ(m.access(at(m, 0, 0, 5, 0), 64, false, 0), ck(t.tRCD + t.tCL + half_bl()) + lat());
  // Same row, bus long free: only the CAS.
  EXPECT_EQ(m.access(at(m, 0, 0, 5, 1), 64, false, ck(100)), ck(100 + t.tCL + half_bl()) + lat());
  // Another row, tRAS and tRTP long satisfied: PRE, ACT, CAS.
  EXPECT_EQ(m.access(at(m, 0, 0, 6, 0), 64, false, ck(200)), ck(200 + t.tRP + t.tRCD + t.tCL + half_bl()) + lat());
  const DramStats& s = m.stats();
  EXPECT_EQ(s.row_misses, 1u);
  EXPECT_EQ(s.row_hits, 1u);
  EXPECT_EQ(s.row_conflicts, 1u);
  EXPECT_EQ(s.activates, 2u);
  EXPECT_EQ(s.precharges, 1u);
  EXPECT_EQ(s.reads, 3u);
  EXPECT_EQ(s.accesses, 3u);
  EXPECT_EQ(s.data_bus_busy_ps, 3 * ck(half_bl()));
}

TEST_F(DramModelTest, ConflictTooSoonAfterActivateWaitsForTras) {
  ASSERT_LT(t.tRCD + t.tRTP, t.tRAS) << "tRAS must be the binding constraint for this test";
  DramModel m(t);
  m.access(at(m, 0, 0, 5, 0), 64, false, 0);  // ACT at 0
  EXPECT_EQ(m.access(at(m, 0, 0, 6, 0), 64, false, ck(1)), ck(t.tRAS + t.tRP + t.tRCD + t.tCL + half_bl()) + lat());
}

TEST_F(DramModelTest, WriteThenConflictWaitsForWriteRecovery) {
  ASSERT_GT(t.tRCD + t.tCWL + half_bl() + t.tWR, t.tRAS) << "tWR must be the binding constraint for this test";
  DramModel m(t);
  // A write to an idle bank: its data is in after tRCD + tCWL + BL/2.
  EXPECT_EQ(m.access(at(m, 0, 0, 5, 0), 64, true, 0), ck(t.tRCD + t.tCWL + half_bl()) + lat());
  // PRE only tWR after the end of the write data.
  EXPECT_EQ(m.access(at(m, 0, 0, 6, 0), 64, false, ck(1)),
            ck(t.tRCD + t.tCWL + half_bl() + t.tWR + t.tRP + t.tRCD + t.tCL + half_bl()) + lat());
}

TEST_F(DramModelTest, RowHitsStreamAtTccdShortAcrossBankGroups) {
  ASSERT_EQ(t.tCCD_S, half_bl()) << "the bus is full when tCCD_S = BL/2";
  DramModel m(t);
  m.access(at(m, 0, 0, 3, 0), 128, false, 0);  // opens row 3 in bank 0 of both groups
  ASSERT_EQ(m.decode(at(m, 0, 0, 3, 0) + 64).bank_group, 1u) << "row-bank-column-bg alternates bank groups";
  const uint64_t start = ck(1000);
  std::vector<uint64_t> done;
  m.reset_stats();
  m.access(at(m, 0, 0, 3, 1), 1024, false, start, done);
  ASSERT_EQ(done.size(), 16u);
  for (size_t i = 0; i < done.size(); ++i)
    EXPECT_EQ(done[i], start + ck(t.tCL + half_bl() * (i + 1)) + lat()) << "burst " << i;
  EXPECT_EQ(m.stats().row_hits, 16u);
  EXPECT_EQ(m.stats().data_bus_busy_ps, ck(16 * half_bl()));
}

TEST_F(DramModelTest, RowHitsInOneBankGroupAreTccdLongApart) {
  t = tiny(AddressMapping::row_bank_column);
  DramModel m(t);
  m.access(at(m, 1, 2, 7, 0), 64, false, 0);
  const uint64_t start = ck(1000);
  std::vector<uint64_t> done;
  m.access(at(m, 1, 2, 7, 1), 8 * 64, false, start, done);
  ASSERT_EQ(done.size(), 8u);
  EXPECT_EQ(done[0], start + ck(t.tCL + half_bl()) + lat());
  for (size_t i = 1; i < done.size(); ++i) EXPECT_EQ(done[i] - done[i - 1], ck(t.tCCD_L)) << "burst " << i;
}

TEST_F(DramModelTest, AccessAtRefreshTimeWaitsForRefresh) {
  const uint64_t due = ck(t.tREFI);
  {
    DramModel m(t);  // all banks closed: REF at the due time
    EXPECT_EQ(m.access(at(m, 0, 0, 1, 0), 64, false, due), due + ck(t.tRFC + t.tRCD + t.tCL + half_bl()) + lat());
    EXPECT_EQ(m.stats().refreshes, 1u);
  }
  {
    DramModel m(t);  // arrives before the due time, but its CAS would come after it
    ASSERT_GT(t.tRCD, 5u);
    EXPECT_EQ(m.access(at(m, 0, 0, 1, 0), 64, false, due - ck(5)),
              due + ck(t.tRFC + t.tRCD + t.tCL + half_bl()) + lat());
    EXPECT_EQ(m.stats().refreshes, 1u);
  }
  {
    DramModel m(t);  // a row is open: PRE at the due time, REF tRP later; the hit becomes a miss
    m.access(at(m, 0, 0, 1, 0), 64, false, 0);
    EXPECT_EQ(m.access(at(m, 0, 0, 1, 1), 64, false, due),
              due + ck(t.tRP + t.tRFC + t.tRCD + t.tCL + half_bl()) + lat());
    EXPECT_EQ(m.stats().row_misses, 2u);
    EXPECT_EQ(m.stats().row_hits, 0u);
    EXPECT_EQ(m.stats().precharges, 1u);
    EXPECT_EQ(m.stats().refreshes, 1u);
  }
}

TEST_F(DramModelTest, RefreshCountFollowsElapsedTime) {
  {
    DramModel m(t);  // a stream: one refresh per tREFI of elapsed time
    uint64_t addr = 0, done = 0;
    while (done < ck(20 * uint64_t{t.tREFI})) {
      done = m.access(addr, 1024, false, 0);
      addr += 1024;
    }
    EXPECT_NEAR(static_cast<double>(m.stats().refreshes), static_cast<double>(done) / ck(t.tREFI), 1.0);
    EXPECT_LT(m.bus_utilization(), 1.0);
  }
  {
    DramModel m(t);  // idle for 50 intervals: the refreshes happen meanwhile, the access does not wait
    m.access(0, 64, false, 0);
    const uint64_t arrival = ck(50 * uint64_t{t.tREFI} + 500);
    EXPECT_EQ(m.access(0, 64, false, arrival), arrival + ck(t.tRCD + t.tCL + half_bl()) + lat());
    EXPECT_EQ(m.stats().refreshes, 50u);
  }
}

TEST_F(DramModelTest, ReadAfterWriteWaitsForTwtr) {
  for (uint32_t read_group : {0u, 1u}) {
    DramModel m(t);
    m.access(at(m, 0, 0, 3, 0), 128, false, 0);  // rows open in both groups
    const uint64_t start = ck(1000);
    EXPECT_EQ(m.access(at(m, 0, 0, 3, 2), 64, true, start), start + ck(t.tCWL + half_bl()) + lat());
    const uint32_t twtr = read_group == 0 ? t.tWTR_L : t.tWTR_S;
    EXPECT_EQ(m.access(at(m, read_group, 0, 3, 3), 64, false, start),
              start + ck(t.tCWL + half_bl() + twtr + t.tCL + half_bl()) + lat())
        << "bank group " << read_group;
    EXPECT_EQ(m.stats().write_read_turnarounds, 1u);
    EXPECT_EQ(m.stats().read_write_turnarounds, 1u);  // the first read, then the write
  }
}

TEST_F(DramModelTest, WriteAfterReadWaitsForTrtw) {
  DramModel m(t);
  m.access(at(m, 0, 0, 3, 0), 64, false, 0);
  const uint64_t start = ck(1000);
  EXPECT_EQ(m.access(at(m, 0, 0, 3, 1), 64, false, start), start + ck(t.tCL + half_bl()) + lat());
  EXPECT_EQ(m.access(at(m, 0, 0, 3, 2), 64, true, start), start + ck(t.tRTW + t.tCWL + half_bl()) + lat());
  EXPECT_EQ(m.stats().read_write_turnarounds, 1u);
  EXPECT_EQ(m.stats().write_read_turnarounds, 0u);
}

TEST_F(DramModelTest, FifthActivateWaitsForTfaw) {
  ASSERT_LT(4 * t.tRRD_S, t.tFAW) << "tFAW must be the binding constraint for this test";
  DramModel m(t);
  // Five banks, alternating bank groups, all arriving at once: ACTs at 0, tRRD_S, ... until tFAW.
  const uint32_t banks[5][2] = {{0, 0}, {1, 0}, {0, 1}, {1, 1}, {0, 2}};
  uint64_t done = 0;
  for (const auto& b : banks) done = m.access(at(m, b[0], b[1], 9, 0), 64, false, 0);
  EXPECT_EQ(done, ck(t.tFAW + t.tRCD + t.tCL + half_bl()) + lat());
  EXPECT_EQ(m.stats().activates, 5u);
}

TEST_F(DramModelTest, ActivatesInOneBankGroupAreTrrdLongApart) {
  DramModel m(t);
  m.access(at(m, 0, 0, 9, 0), 64, false, 0);
  EXPECT_EQ(m.access(at(m, 0, 1, 9, 0), 64, false, 0), ck(t.tRRD_L + t.tRCD + t.tCL + half_bl()) + lat());
}

TEST_F(DramModelTest, ClosedPagePolicyClosesRowsAfterEachAccess) {
  t.page_policy = PagePolicy::closed;
  DramModel m(t);
  m.access(at(m, 0, 0, 5, 0), 128, false, 0);  // two bursts, two banks (groups 0 and 1)
  EXPECT_EQ(m.access(at(m, 0, 0, 5, 1), 64, false, ck(200)), ck(200 + t.tRCD + t.tCL + half_bl()) + lat());
  EXPECT_EQ(m.stats().row_hits, 0u);
  EXPECT_EQ(m.stats().row_misses, 3u);
  EXPECT_EQ(m.stats().precharges, 3u);
}

TEST_F(DramModelTest, AccessesSplitIntoAlignedBursts) {
  DramModel m(t);
  std::vector<uint64_t> done;
  // Bytes 60 .. 159 touch the bursts at 0, 64 and 128.
  const uint64_t last = m.access(60, 100, false, 0, done);
  ASSERT_EQ(done.size(), 3u);
  EXPECT_EQ(last, done.back());
  EXPECT_LE(done[0], done[1]);
  EXPECT_LE(done[1], done[2]);
  const uint64_t aligned = m.access(192, 64, false, 0, done);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(aligned, done.back());
  EXPECT_EQ(m.stats().reads, 4u);
  EXPECT_EQ(m.stats().row_hits + m.stats().row_misses + m.stats().row_conflicts, 4u);
}

TEST_F(DramModelTest, ArrivalsBetweenClockEdgesStartAtTheNextEdge) {
  DramModel m(t);
  EXPECT_EQ(m.access(0, 64, false, 1500), ck(2) + ck(t.tRCD + t.tCL + half_bl()) + lat());
}

TEST_F(DramModelTest, RejectsOutOfOrderArrivalsAndEmptyAccesses) {
  DramModel m(t);
  m.access(0, 64, false, 1000);
  EXPECT_THROW(m.access(64, 64, false, 999), std::logic_error);
  EXPECT_THROW(m.access(64, 0, false, 1000), std::invalid_argument);
  EXPECT_NO_THROW(m.access(64, 64, false, 1000));  // equal arrivals are in order
}

TEST_F(DramModelTest, AddressMappingsRoundTripAndInterleave) {
  for (auto mapping : {AddressMapping::row_bank_column, AddressMapping::row_bank_column_bg,
                       AddressMapping::row_column_bank}) {
    const DramModel m(tiny(mapping));
    for (const DramAddress a : {DramAddress{0, 0, 0, 0}, DramAddress{1, 3, 1023, 15}, DramAddress{1, 2, 77, 9}}) {
      const DramAddress b = m.decode(m.address_of(a) + 17);  // any byte of the burst
      EXPECT_EQ(b.bank_group, a.bank_group) << to_string(mapping);
      EXPECT_EQ(b.bank, a.bank) << to_string(mapping);
      EXPECT_EQ(b.row, a.row) << to_string(mapping);
      EXPECT_EQ(b.column, a.column) << to_string(mapping);
    }
    EXPECT_EQ(m.decode(m.timing().capacity_bytes()).row, 0u) << "rows wrap at the capacity";
  }
  // Consecutive bursts: one row first, bank groups first, every bank first.
  const DramModel rbc(tiny(AddressMapping::row_bank_column)), rbcg(tiny(AddressMapping::row_bank_column_bg)),
      rcb(tiny(AddressMapping::row_column_bank));
  EXPECT_EQ(rbc.decode(15 * 64).column, 15u);
  EXPECT_EQ(rbc.decode(16 * 64).bank_group, 1u);
  EXPECT_EQ(rbcg.decode(64).bank_group, 1u);
  EXPECT_EQ(rbcg.decode(128).column, 1u);
  EXPECT_EQ(rcb.decode(64).bank_group, 1u);
  EXPECT_EQ(rcb.decode(2 * 64).bank, 1u);
  EXPECT_EQ(rcb.decode(8 * 64).column, 1u);
}

TEST_F(DramModelTest, PeakBandwidthAndUtilisation) {
  DramModel m(t);
  EXPECT_DOUBLE_EQ(m.peak_bytes_per_second(), 8.0 * 2 / 1e-9);  // 8 bytes on both edges of 1 GHz
  EXPECT_EQ(m.bus_utilization(), 0.0);
  const uint64_t done = m.access(0, 64, false, 0);
  EXPECT_DOUBLE_EQ(m.bus_utilization(), static_cast<double>(ck(half_bl())) / static_cast<double>(done));
  m.reset_stats();
  EXPECT_EQ(m.stats().reads, 0u);
  EXPECT_EQ(m.bus_utilization(), 0.0);
}

TEST_F(DramModelTest, InconsistentTimingIsRejected) {
  t.tRC = t.tRAS + t.tRP - 1;
  try {
    DramModel m(t);
    FAIL() << "no error";
  } catch (const DramConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("tiny: parameters.tRC"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace trit::vp
