#include "host_link.hpp"

#include <unistd.h>

#include <thread>

#include <boost/date_time/posix_time/posix_time_types.hpp>
#include <boost/interprocess/ipc/message_queue.hpp>
#include <fmt/format.h>

#include "vp/vp_link.hpp"

namespace trit::vp {

namespace bip = boost::interprocess;
using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;
using vp_link::Op;
using vp_link::Request;
using vp_link::Response;
using vp_link::Status;

struct HostLink::Queues {
  bip::message_queue req, resp;
  explicit Queues(const std::string& prefix)
      : req(bip::open_only, vp_link::req_name(prefix).c_str()), resp(bip::open_only, vp_link::resp_name(prefix).c_str()) {}
};

HostLink::HostLink(sc_core::sc_module_name name, Platform& platform, const HostLinkOptions& opt)
    : sc_module(name), socket("socket"), p_(platform), opt_(opt), q_(std::make_unique<Queues>(opt.prefix)) {
  socket.bind(p_.lite.socket);
  SC_HAS_PROCESS(HostLink);
  SC_THREAD(serve);
}

HostLink::~HostLink() = default;

// The harness's power-on sequence (sim/harness/verilated_backend.hpp, hard_reset): every input
// idle, rst_ni low for 8 rising edges, then high for one.
void HostLink::hard_reset() {
  p_.rst_n.write(false);
  p_.lite.idle();
  p_.reset_dma_pins();
  for (int i = 0; i < 8; ++i) wait(p_.clk.posedge_event());
  p_.rst_n.write(true);
  wait(p_.clk.posedge_event());
}

uint32_t HostLink::reg_access(bool write, uint32_t offset, uint32_t value, std::string& error, bool& timeout) {
  tlm::tlm_generic_payload t;
  uint32_t data = value;
  t.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  t.set_address(offset);
  t.set_data_ptr(reinterpret_cast<unsigned char*>(&data));
  t.set_data_length(4);
  t.set_streaming_width(4);
  t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_time delay = SC_ZERO_TIME;
  socket->b_transport(t, delay);
  timeout = p_.lite.timed_out();
  if (timeout)
    error = fmt::format("register {} at 0x{:03x} not answered in the register timeout", write ? "write" : "read",
                        offset);
  else if (t.is_response_error())
    error = fmt::format("register {} at 0x{:03x}: {}", write ? "write" : "read", offset, t.get_response_string());
  return data;
}

// Runs the clock until irq is high or `budget` rising edges have passed, and returns the line as
// the harness does after its last edge.
bool HostLink::wait_irq(uint64_t budget) {
  if (p_.irq.read()) return true;
  wait(static_cast<double>(budget) * p_.period(), p_.irq.posedge_event());
  // On the timeout the thread may run before the edge at that instant has been evaluated: let
  // the clock's delta and the model's delta pass so that irq shows that edge's value.
  wait(SC_ZERO_TIME);
  wait(SC_ZERO_TIME);
  return p_.irq.read();
}

void HostLink::serve() {
  const pid_t parent = getppid();
  Response r;
  try {
    hard_reset();
    r.status = Status::kHello;
    r.cycles = p_.dma().cycles();
    r.set_message(p_.config());
    q_->resp.send(&r, sizeof r, 0);
  } catch (const std::exception& e) {
    fmt::print(stderr, "trit-vp: {}\n", e.what());
    sc_core::sc_stop();
    return;
  }
  for (;;) {
    Request req;
    size_t got = 0;
    unsigned prio = 0;
    const auto until = boost::posix_time::microsec_clock::universal_time() + boost::posix_time::milliseconds(200);
    if (!q_->req.timed_receive(&req, sizeof req, got, prio, until)) {
      if (getppid() != parent) {  // the host is gone: nobody will ask again
        sc_core::sc_stop();
        return;
      }
      continue;
    }
    if (got == sizeof req && req.op == Op::kHang) {
      fmt::print(stderr, "trit-vp: told to hang (fault injection); not answering any more\n");
      for (;;) pause();
    }
    r = Response{};
    r.seq = req.seq;
    if (got != sizeof req || req.magic != vp_link::kMagic) {
      r.status = Status::kError;
      r.set_message(fmt::format("malformed request ({} bytes); host and platform from different builds?", got));
    } else {
      std::string error;
      bool timeout = false;
      switch (req.op) {
        case Op::kReadReg:
          r.value = reg_access(false, static_cast<uint32_t>(req.a), 0, error, timeout);
          break;
        case Op::kWriteReg:
          reg_access(true, static_cast<uint32_t>(req.a), static_cast<uint32_t>(req.b), error, timeout);
          break;
        case Op::kWaitIrq:
          r.irq = wait_irq(req.a);
          break;
        case Op::kRun:
          wait(static_cast<double>(req.a) * p_.period());
          break;
        case Op::kHardReset:
          hard_reset();
          break;
        case Op::kInjectError: {
          const uint32_t resp = static_cast<uint32_t>(req.c >> 8);
          p_.mem.inject_error(req.a, req.b, req.c & 1, req.c & 2,
                              resp == 3 ? tlm::TLM_ADDRESS_ERROR_RESPONSE : tlm::TLM_GENERIC_ERROR_RESPONSE);
          break;
        }
        case Op::kClearErrors:
          p_.mem.clear_errors();
          break;
        case Op::kFreeze:
          p_.dma().axi().freeze(req.a != 0);
          break;
        case Op::kStats:
          r.set_message(p_.mem.stats().dump());
          break;
        case Op::kStop:
          r.cycles = p_.dma().cycles();
          q_->resp.send(&r, sizeof r, 0);
          sc_core::sc_stop();
          return;
        default:
          error = fmt::format("unknown request {}", static_cast<uint32_t>(req.op));
      }
      if (!error.empty()) {
        r.status = timeout ? Status::kTimeout : Status::kError;
        r.set_message(error);
      }
      const auto& v = p_.dma().axi().violations();
      if (v.size() > violations_reported_ && r.status == Status::kOk) {
        r.status = Status::kError;
        r.set_message(fmt::format("AXI protocol violation by the DMA master: {}", v[violations_reported_]));
        violations_reported_ = v.size();
      }
    }
    r.irq = p_.irq.read();
    r.cycles = p_.dma().cycles();
    q_->resp.send(&r, sizeof r, 0);
  }
}

}  // namespace trit::vp
