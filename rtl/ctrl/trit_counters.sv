// Performance counters: NumCounters free-running 64-bit counters, each advanced by its increment
// every cycle, all zeroed by clear_i (CTRL.CNT_CLEAR). Counter order is the register map's
// (CNT_CYCLES first); the increments come registered from the units.
module trit_counters #(
  parameter int NumCounters = 14,
  parameter int IncW        = 16
) (
  input  logic                                        clk_i,
  input  logic                                        rst_ni,
  input  logic                                        clear_i,
  input  logic [trit_pkg::mul(NumCounters, IncW)-1:0] inc_i,   // counter i at bits [IncW i +: IncW]
  output logic [(NumCounters << 6)-1:0]               cnt_o    // counter i at bits [64 i +: 64]
);
  for (genvar i = 0; i < NumCounters; i++) begin : g_cnt
    logic [63:0] cnt_d, cnt_q;
    assign cnt_d = clear_i ? 64'd0 : cnt_q + 64'(inc_i[trit_pkg::mul(i, IncW) +: IncW]);
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) cnt_q <= '0;
      else         cnt_q <= cnt_d;
    end
    assign cnt_o[(i << 6) +: 64] = cnt_q;
  end
endmodule
