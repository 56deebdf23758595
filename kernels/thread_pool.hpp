// A fixed pool of worker threads for data-parallel loops. The calling thread takes part, so a
// pool of n threads has n - 1 workers; n = 1 runs everything inline.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace trit::kernels {

class ThreadPool {
 public:
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Calls fn(begin_i, end_i) over disjoint chunks covering [begin, end), chunks of at least
  // `grain` items, and returns when all are done. The first exception thrown by fn is
  // rethrown here after every chunk has finished.
  void parallel_for(int64_t begin, int64_t end, int64_t grain,
                    const std::function<void(int64_t, int64_t)>& fn);

 private:
  void worker_loop();
  void run_chunks();

  int n_threads_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable done_;
  bool stop_ = false;
  uint64_t generation_ = 0;
  int busy_ = 0;
  // current job
  const std::function<void(int64_t, int64_t)>* fn_ = nullptr;
  int64_t next_ = 0, end_ = 0, chunk_ = 1;
  std::exception_ptr error_;
};

}  // namespace trit::kernels
