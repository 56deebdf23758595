// The one RTL file list: read by Verilator (cmake/TritVerilator.cmake, the lint target), Yosys
// (fpga/yosys) and any other tool. One path per line relative to rtl/; the package comes first.
// The generated register include (<build>/generated/trit_regs.svh) is on every tool's include path.
trit_pkg.sv
// primitives
prim/trit_fifo.sv
prim/trit_fifo_sram.sv
prim/trit_spill.sv
prim/trit_delay.sv
prim/trit_gearbox.sv
// compute core
core/trit_wdec_t2.sv
core/trit_wdec_t5.sv
core/trit_pe.sv
core/trit_array.sv
core/trit_actbuf.sv
core/trit_wfeed.sv
core/trit_seq.sv
core/trit_drain.sv
// AXI
axi/trit_burst_len.sv
axi/trit_dma_rd.sv
axi/trit_dma_wr.sv
axi/trit_regfile.sv
// control
ctrl/trit_desc_decode.sv
ctrl/trit_fetch.sv
ctrl/trit_dispatch.sv
ctrl/trit_actload.sv
ctrl/trit_wreq.sv
ctrl/trit_counters.sv
ctrl/trit_ctrl.sv
// top level
trit_top.sv
