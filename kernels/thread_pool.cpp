#include "kernels/thread_pool.hpp"

#include <algorithm>
#include <chrono>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define TRIT_CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define TRIT_CPU_RELAX() __asm__ volatile("yield")
#else
#define TRIT_CPU_RELAX() ((void)0)
#endif

namespace trit::kernels {

namespace {
// Set while a thread executes a region: a nested run()/parallel_for() runs inline.
thread_local bool t_in_region = false;

using Clock = std::chrono::steady_clock;
}  // namespace

ThreadPool::ThreadPool(int n_threads) : n_threads_(std::max(1, n_threads)) {
  workers_.reserve(static_cast<size_t>(n_threads_ - 1));
  for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true, std::memory_order_seq_cst);
  epoch_.fetch_add(1, std::memory_order_seq_cst);
  epoch_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::execute(int index) {
  t_in_region = true;
  try {
    call_(ctx_, index, n_threads_);
  } catch (...) {
    std::lock_guard<std::mutex> lock(error_mu_);
    if (!error_) error_ = std::current_exception();
  }
  t_in_region = false;
}

void ThreadPool::worker_loop(int index) {
  uint64_t seen = 0;
  for (;;) {
    // Spin a while (the next region usually follows within microseconds), then sleep.
    uint64_t now = epoch_.load(std::memory_order_acquire);
    if (now == seen) {
      const auto deadline = Clock::now() + std::chrono::microseconds(kSpinMicros);
      for (int i = 0; now == seen; ++i) {
        TRIT_CPU_RELAX();
        now = epoch_.load(std::memory_order_acquire);
        if ((i & 63) == 63 && now == seen && Clock::now() > deadline) {
          sleepers_.fetch_add(1, std::memory_order_seq_cst);
          epoch_.wait(seen, std::memory_order_seq_cst);  // returns at once if epoch_ moved on
          sleepers_.fetch_sub(1, std::memory_order_seq_cst);
          now = epoch_.load(std::memory_order_acquire);
        }
      }
    }
    seen = now;
    if (stop_.load(std::memory_order_acquire)) return;
    execute(index);
    if (pending_.fetch_sub(1, std::memory_order_seq_cst) == 1 && caller_waiting_.load(std::memory_order_seq_cst))
      pending_.notify_one();
  }
}

void ThreadPool::run_impl(Call call, void* ctx) {
  if (n_threads_ == 1 || t_in_region) {
    call(ctx, 0, 1);
    return;
  }
  call_ = call;
  ctx_ = ctx;
  error_ = nullptr;
  pending_.store(n_threads_ - 1, std::memory_order_relaxed);
  epoch_.fetch_add(1, std::memory_order_seq_cst);  // publishes call_/ctx_ (release)
  if (sleepers_.load(std::memory_order_seq_cst) > 0) epoch_.notify_all();
  execute(0);
  // Wait for the workers: spin, then sleep (a worker may have been descheduled on a busy
  // machine; sleeping gives it the core, and the last worker to finish wakes us).
  const auto deadline = Clock::now() + std::chrono::microseconds(kCallerSpinMicros);
  for (int i = 0;; ++i) {
    int left = pending_.load(std::memory_order_acquire);
    if (left == 0) break;
    if ((i & 63) == 63 && Clock::now() > deadline) {
      caller_waiting_.store(true, std::memory_order_seq_cst);
      while ((left = pending_.load(std::memory_order_seq_cst)) != 0) pending_.wait(left, std::memory_order_seq_cst);
      caller_waiting_.store(false, std::memory_order_relaxed);
      break;
    }
    TRIT_CPU_RELAX();
  }
  if (error_) {
    std::exception_ptr e = error_;
    error_ = nullptr;
    std::rethrow_exception(e);
  }
}

void ThreadPool::parallel_for(int64_t begin, int64_t end, int64_t grain,
                              const std::function<void(int64_t, int64_t)>& fn) {
  if (end <= begin) return;
  const int64_t n = end - begin;
  grain = std::max<int64_t>(1, grain);
  if (n_threads_ == 1 || n <= grain || t_in_region) {
    fn(begin, end);
    return;
  }
  // A few chunks per thread balance uneven work and threads that were descheduled.
  const int64_t chunk = std::max(grain, (n + 4 * n_threads_ - 1) / (4 * n_threads_));
  alignas(64) std::atomic<int64_t> next{begin};
  run([&](int, int) {
    for (;;) {
      const int64_t b = next.fetch_add(chunk, std::memory_order_relaxed);
      if (b >= end) return;
      fn(b, std::min(end, b + chunk));
    }
  });
}

}  // namespace trit::kernels
