// A fixed pool of worker threads for data-parallel loops. The calling thread takes part, so a
// pool of n threads has n - 1 workers; n = 1 runs everything inline.
//
// Decode issues a few hundred parallel regions per token, each a few tens of microseconds
// long, so dispatch must cost about a microsecond: a region is published with one atomic
// increment, workers spin on it (with `pause`) for a while after each region and only then
// sleep on a futex (std::atomic::wait); the caller spins for the workers to finish, and sleeps
// too if they take long. An idle pool burns a core for at most kSpinMicros after its last
// region.
//
// parallel_for regions are joinable: a worker takes part only if it arrives while chunks are
// left, and the caller closes the region once they are all taken, then waits only for workers
// that joined. On a shared machine a worker that is descheduled therefore never holds up a
// region: the caller does its share (without this, every region waits a scheduler time slice).
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace trit::kernels {

class ThreadPool {
 public:
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Calls fn(thread, n_threads) once on every thread of the pool (the caller is thread 0) and
  // returns when all have returned (every thread must take part: for per-thread work such as
  // bandwidth probes). The first exception thrown is rethrown here after every thread has
  // finished. Called from inside a region, it runs fn(0, 1) inline.
  template <typename F>
  void run(F&& fn) {
    run_impl(
        [](void* ctx, int t, int n) { (*static_cast<std::remove_reference_t<F>*>(ctx))(t, n); },
        const_cast<void*>(static_cast<const void*>(&fn)));
  }

  // Calls fn(begin_i, end_i) over disjoint chunks covering [begin, end), taken in order and
  // dynamically by whichever threads take part, and returns when all are done. Chunks are
  // guided: each is 1 / (2 n) of the items left, at least `grain` (the last may be shorter).
  // Exceptions as for run().
  void parallel_for(int64_t begin, int64_t end, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

  // How long an idle worker spins before it sleeps.
  static constexpr int kSpinMicros = 300;
  // How long the caller spins for the workers to finish before it sleeps.
  static constexpr int kCallerSpinMicros = 50;

 private:
  using Call = void (*)(void* ctx, int thread, int n_threads);
  enum class Kind { AllThreads, Joinable };
  void run_impl(Call call, void* ctx);
  void worker_loop(int index);
  void execute(int index);
  void run_chunks();
  void record_error();
  void wait_until(const std::atomic<uint64_t>& word, bool (*done)(uint64_t));

  int n_threads_;
  std::vector<std::thread> workers_;
  // Region state, written by the caller before it bumps epoch_ (joinable regions' chunk state
  // is read only after joining through pending_, which orders it).
  std::atomic<Kind> kind_{Kind::AllThreads};
  Call call_ = nullptr;
  void* ctx_ = nullptr;
  const std::function<void(int64_t, int64_t)>* chunk_fn_ = nullptr;
  int64_t chunk_end_ = 0, chunk_ = 1;  // end of the range, smallest chunk (the grain)
  alignas(64) std::atomic<int64_t> next_{0};
  alignas(64) std::atomic<uint64_t> epoch_{0};
  // AllThreads: workers still inside the region. Joinable: bit 63 = open, low bits = workers
  // that joined and have not left.
  alignas(64) std::atomic<uint64_t> pending_{0};
  alignas(64) std::atomic<int> sleepers_{0};  // workers blocked in epoch_.wait
  std::atomic<bool> caller_waiting_{false};   // the caller is blocked in pending_.wait
  std::atomic<bool> stop_{false};
  std::mutex error_mu_;
  std::exception_ptr error_;
};

}  // namespace trit::kernels
