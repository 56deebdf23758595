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

constexpr uint64_t kOpen = uint64_t{1} << 63;
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

void ThreadPool::record_error() {
  std::lock_guard<std::mutex> lock(error_mu_);
  if (!error_) error_ = std::current_exception();
}

void ThreadPool::execute(int index) {
  t_in_region = true;
  try {
    call_(ctx_, index, n_threads_);
  } catch (...) {
    record_error();
  }
  t_in_region = false;
}

void ThreadPool::run_chunks() {
  t_in_region = true;
  // Guided chunks: each take is a 1 / (2 n_threads) share of what is left, at least the grain.
  // Early chunks are long (few restarts of each thread's sequential weight stream); the last
  // ones are a grain, so threads finish together even when one ran slower or joined late.
  const int64_t share = 2 * static_cast<int64_t>(n_threads_);
  for (;;) {
    int64_t b = next_.load(std::memory_order_relaxed), e = 0;
    do {
      if (b >= chunk_end_) break;
      e = std::min(chunk_end_, b + std::max(chunk_, (chunk_end_ - b) / share));
    } while (!next_.compare_exchange_weak(b, e, std::memory_order_relaxed));
    if (b >= chunk_end_) break;
    try {
      (*chunk_fn_)(b, e);
    } catch (...) {
      record_error();
    }
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
    if (stop_.load(std::memory_order_acquire)) return;
    // The kind belongs to epoch `now` only if no newer region was published meanwhile (a worker
    // that slept through a joinable region may wake while the caller sets up the next one).
    const Kind kind = kind_.load(std::memory_order_acquire);
    if (epoch_.load(std::memory_order_acquire) != now) continue;
    seen = now;
    if (kind == Kind::AllThreads) {
      execute(index);
      if (pending_.fetch_sub(1, std::memory_order_seq_cst) == 1 && caller_waiting_.load(std::memory_order_seq_cst))
        pending_.notify_one();
      continue;
    }
    // Joinable: take part only while the region is open (a late worker must not touch a region
    // the caller has finished, nor the next one's state as it is being written).
    uint64_t s = pending_.load(std::memory_order_acquire);
    bool joined = false;
    while ((s & kOpen) != 0 && !joined) joined = pending_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel);
    if (!joined) continue;
    run_chunks();
    const uint64_t left = pending_.fetch_sub(1, std::memory_order_seq_cst) - 1;
    if (left == 0 && caller_waiting_.load(std::memory_order_seq_cst)) pending_.notify_one();
  }
}

void ThreadPool::wait_until(const std::atomic<uint64_t>& word, bool (*done)(uint64_t)) {
  // Spin, then sleep (a worker may have been descheduled on a busy machine; sleeping gives it
  // the core, and the last worker to finish wakes us).
  const auto deadline = Clock::now() + std::chrono::microseconds(kCallerSpinMicros);
  for (int i = 0;; ++i) {
    uint64_t v = word.load(std::memory_order_acquire);
    if (done(v)) return;
    if ((i & 63) == 63 && Clock::now() > deadline) {
      caller_waiting_.store(true, std::memory_order_seq_cst);
      while (!done(v = word.load(std::memory_order_seq_cst))) word.wait(v, std::memory_order_seq_cst);
      caller_waiting_.store(false, std::memory_order_relaxed);
      return;
    }
    TRIT_CPU_RELAX();
  }
}

void ThreadPool::run_impl(Call call, void* ctx) {
  if (n_threads_ == 1 || t_in_region) {
    call(ctx, 0, 1);
    return;
  }
  kind_.store(Kind::AllThreads, std::memory_order_relaxed);
  call_ = call;
  ctx_ = ctx;
  error_ = nullptr;
  pending_.store(static_cast<uint64_t>(n_threads_ - 1), std::memory_order_relaxed);
  epoch_.fetch_add(1, std::memory_order_seq_cst);  // publishes the region (release)
  if (sleepers_.load(std::memory_order_seq_cst) > 0) epoch_.notify_all();
  execute(0);
  wait_until(pending_, [](uint64_t v) { return v == 0; });
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
  kind_.store(Kind::Joinable, std::memory_order_relaxed);
  chunk_fn_ = &fn;
  chunk_end_ = end;
  chunk_ = grain;
  next_.store(begin, std::memory_order_relaxed);
  error_ = nullptr;
  pending_.store(kOpen, std::memory_order_release);  // joining workers acquire the chunk state
  epoch_.fetch_add(1, std::memory_order_seq_cst);     // wakes them
  if (sleepers_.load(std::memory_order_seq_cst) > 0) epoch_.notify_all();
  run_chunks();
  // Every chunk is taken: close the region, then wait for the workers that joined it.
  pending_.fetch_and(~kOpen, std::memory_order_seq_cst);
  wait_until(pending_, [](uint64_t v) { return v == 0; });
  if (error_) {
    std::exception_ptr e = error_;
    error_ = nullptr;
    std::rethrow_exception(e);
  }
}

}  // namespace trit::kernels
