// The thread pool: regions run once per thread, parallel_for covers ranges exactly once, nested
// calls run inline, errors propagate after every thread finished, and many back-to-back regions
// (decode's pattern) neither lose nor duplicate work.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "kernels/thread_pool.hpp"

using trit::kernels::ThreadPool;

TEST(ThreadPool, RunCallsEveryThreadOnce) {
  for (int n : {1, 2, 3, 5}) {
    ThreadPool pool(n);
    EXPECT_EQ(pool.size(), n);
    std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
    pool.run([&](int t, int nt) {
      ASSERT_EQ(nt, n);
      hits[static_cast<size_t>(t)].fetch_add(1);
    });
    for (auto& h : hits) EXPECT_EQ(h.load(), 1);
  }
}

TEST(ThreadPool, ManyShortRegionsBackToBack) {
  ThreadPool pool(3);
  std::atomic<int64_t> total{0};
  for (int i = 0; i < 5000; ++i) pool.run([&](int t, int) { total.fetch_add(t + 1); });
  EXPECT_EQ(total.load(), 5000 * (1 + 2 + 3));
}

TEST(ThreadPool, ParallelForCoversTheRangeOnce) {
  ThreadPool pool(3);
  for (int64_t grain : {1, 7, 100, 5000}) {
    std::vector<int> hits(1000, 0);
    pool.parallel_for(0, 1000, grain, [&](int64_t b, int64_t e) {
      ASSERT_LE(b, e);
      for (int64_t i = b; i < e; ++i) ++hits[static_cast<size_t>(i)];
    });
    for (int h : hits) ASSERT_EQ(h, 1);
  }
  int calls = 0;
  pool.parallel_for(5, 5, 1, [&](int64_t, int64_t) { ++calls; });
  EXPECT_EQ(calls, 0);
}

TEST(ThreadPool, NestedCallsRunInline) {
  ThreadPool pool(2);
  std::atomic<int> inner{0};
  pool.run([&](int, int) {
    pool.run([&](int t, int n) {
      EXPECT_EQ(t, 0);
      EXPECT_EQ(n, 1);
      inner.fetch_add(1);
    });
    pool.parallel_for(0, 10, 1, [&](int64_t b, int64_t e) { inner.fetch_add(static_cast<int>(e - b)); });
  });
  EXPECT_EQ(inner.load(), 2 * (1 + 10));
}

TEST(ThreadPool, ErrorsPropagateAndThePoolStaysUsable) {
  ThreadPool pool(3);
  EXPECT_THROW(pool.parallel_for(0, 100, 1, [](int64_t b, int64_t e) {
                 if (b <= 50 && 50 < e) throw std::runtime_error("boom");
               }),
               std::runtime_error);
  EXPECT_THROW(pool.run([](int t, int) {
                 if (t == 2) throw std::logic_error("worker");
               }),
               std::logic_error);
  std::atomic<int> sum{0};
  pool.parallel_for(0, 10, 100, [&](int64_t b, int64_t e) { sum += static_cast<int>(e - b); });
  EXPECT_EQ(sum.load(), 10);
}

TEST(ThreadPool, WorkersWakeAfterSleeping) {
  ThreadPool pool(2);
  // Longer than the spin budget: the worker goes to sleep and must be woken by the next region.
  std::this_thread::sleep_for(std::chrono::microseconds(ThreadPool::kSpinMicros * 4));
  std::atomic<int> hits{0};
  pool.run([&](int, int) { hits.fetch_add(1); });
  EXPECT_EQ(hits.load(), 2);
}
