// MAC twin of rtl/core/trit_pe.sv: the same processing element with an int8 x int8 multiply in
// every lane instead of add / subtract / skip. It lives outside rtl/ on purpose: rtl/ is
// multiplier-free (tests rtl.no_arith, fpga.yosys.no_mul.*), and this module exists only so that
// Yosys can count what the multipliers cost (fpga/twin/pe_compare.py, docs/energy.md).
//
// Same interface shape and pipeline as trit_pe, with V int8 weights (8V bits) in place of V
// 2-bit codes:
//   stage 1  V signed 8 x 8 products + adder tree -> sum_q   (16 + log2 V bits)
//   stage 2  acc_q += sum_q; on `last` the final value is copied into shadow_q
// plus the systolic pass-through registers (activations right, weights down). No zero gating:
// a zero weight is multiplied like any other (the energy model's default MAC twin).
module mac_pe #(
  parameter int NumLanes = 4,
  localparam int AW = NumLanes << 3,  // activation bits
  localparam int WW = NumLanes << 3   // weight bits (int8 per lane)
) (
  input  logic          clk_i,
  input  logic          rst_ni,
  // activations and control from the left
  input  logic          a_valid_i,
  input  logic          a_first_i,
  input  logic          a_last_i,
  input  logic [AW-1:0] a_data_i,    // lane v at [8v+7:8v], int8
  // activations and control to the right (registered)
  output logic          a_valid_o,
  output logic          a_first_o,
  output logic          a_last_o,
  output logic [AW-1:0] a_data_o,
  // weights from above, lane v at [8v+7:8v], int8; used with a valid activation
  input  logic [WW-1:0] w_data_i,
  // weights down (registered): loaded when the row below takes this chunk (w_load_i, as in
  // trit_pe after row gating), held otherwise
  input  logic          w_load_i,
  output logic [WW-1:0] w_data_o,
  // result of the last completed tile
  output logic [31:0]   shadow_o
);
  // |sum| <= 2^14 V: 16 + log2 V bits (one to spare); nodes sit in 24-bit slots (V <= 128).
  localparam int LogV = $clog2(NumLanes);
  localparam int SumW = 16 + LogV;
  localparam int Slot = 24;

  logic [NumLanes*Slot-1:0] tree;
  logic signed [15:0]       prod;
  logic [SumW-1:0]          sum_d, sum_q;
  logic                     v1_q, first1_q, last1_q;
  logic [31:0]              acc_d, acc_q, shadow_d, shadow_q;

  // Stage 1: products and the pairwise adder tree (level l adds nodes 2n and 2n+1 into node n).
  always_comb begin
    tree  = '0;
    prod  = '0;
    sum_d = sum_q;
    if (a_valid_i) begin
      for (int v = 0; v < NumLanes; v++) begin
        prod = $signed(a_data_i[v*8 +: 8]) * $signed(w_data_i[v*8 +: 8]);
        tree[v*Slot +: Slot] = {{(Slot - 16){prod[15]}}, prod};
      end
      for (int l = 0; l < LogV; l++) begin
        for (int n = 0; n < (NumLanes >> (l + 1)); n++) begin
          tree[n*Slot +: Slot] = tree[(2*n)*Slot +: Slot] + tree[(2*n+1)*Slot +: Slot];
        end
      end
      sum_d = tree[SumW-1:0];
    end
  end

  // Stage 2: accumulate; `first` restarts, `last` publishes.
  always_comb begin
    acc_d    = acc_q;
    shadow_d = shadow_q;
    if (v1_q) begin
      acc_d = (first1_q ? 32'd0 : acc_q) + {{(32 - SumW){sum_q[SumW-1]}}, sum_q};
      if (last1_q) shadow_d = acc_d;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      v1_q      <= 1'b0;
      a_valid_o <= 1'b0;
    end else begin
      v1_q      <= a_valid_i;
      a_valid_o <= a_valid_i;
    end
  end

  always_ff @(posedge clk_i) begin
    if (a_valid_i) begin
      sum_q     <= sum_d;
      first1_q  <= a_first_i;
      last1_q   <= a_last_i;
      a_first_o <= a_first_i;
      a_last_o  <= a_last_i;
      a_data_o  <= a_data_i;
    end
    if (w_load_i) w_data_o <= w_data_i;
    acc_q    <= acc_d;
    shadow_q <= shadow_d;
  end

  assign shadow_o = shadow_q;
endmodule
