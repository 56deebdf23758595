#pragma once
// The host link: the platform's end of the `vp` driver backend (driver/backends/vp/vp_link.hpp).
// A TLM-2.0 initiator whose thread takes one request at a time from the backend's message queue
// and carries it out in simulated time: register accesses as blocking transports into the
// register bridge, interrupt waits on the irq signal, resets on rst_n. Simulated time advances
// only inside a request (as in the Verilator harness, whose clock runs only inside driver calls),
// so the host and the platform never touch the shared memory at the same time.
//
// The thread blocks in the operating system while it waits for the next request: the whole
// simulation waits with it, which is what the host wants. If the host process disappears the
// platform exits (it checks its parent between polls).

#include <cstdint>
#include <memory>
#include <string>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "platform.hpp"

namespace trit::vp {

struct HostLinkOptions {
  std::string prefix;            // vp_link names
};

class HostLink final : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<HostLink> socket;

  HostLink(sc_core::sc_module_name name, Platform& platform, const HostLinkOptions& opt);
  ~HostLink() override;

 private:
  void serve();
  void hard_reset();
  uint32_t reg_access(bool write, uint32_t offset, uint32_t value, std::string& error, bool& timeout);
  bool wait_irq(uint64_t budget);

  struct Queues;
  Platform& p_;
  HostLinkOptions opt_;
  std::unique_ptr<Queues> q_;
  size_t violations_reported_ = 0;
};

}  // namespace trit::vp
