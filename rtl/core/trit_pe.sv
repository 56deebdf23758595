// Processing element: V lanes of add / subtract / skip, a lane adder tree and an int32
// output-stationary accumulator with a shadow register.
//
// Pipeline (two register stages; paths cut are listed per stage):
//   stage 1  lane terms + adder tree -> sum_q          (cuts: neighbour registers -> accumulator)
//   stage 2  acc_q += sum_q; on `last` the final value is copied into shadow_q
//                                                        (cuts: tree -> shadow read by the drain)
// plus the systolic pass-through registers a_*_o (to the right) and w_code_o (down), which are the
// next PE's inputs. w_code_o loads only when the row below takes the chunk (w_load_i, decided by
// trit_array from that row's activation valid): below the last active row of a pass the weight
// registers hold their value instead of switching.
//
// Lane v contributes +a, -a or nothing. -a is formed as ~a + 1: the tree sums a ^ {8{sub}} and
// the +1s enter as a popcount of the subtracting lanes, so no lane needs its own negation.
// Operand isolation: a zero weight forces its lane's operand to 0 (the lane does not toggle),
// pass-through registers load only with data someone uses, and an idle PE (no valid activation:
// a bubble or a row past M) holds its sum register.
module trit_pe #(
  parameter int NumLanes = 4,
  localparam int AW = NumLanes << 3,  // activation bits
  localparam int WW = NumLanes << 1   // weight code bits
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
  // weights from above, lane v at [2v+1:2v] = {subtract, nonzero}; used with a valid activation
  input  logic [WW-1:0] w_code_i,
  // weights down (registered): loaded with w_code_i when the row below takes this chunk, held
  // otherwise
  input  logic          w_load_i,
  output logic [WW-1:0] w_code_o,
  // result of the last completed tile
  output logic [31:0]   shadow_o
);
  // |sum| <= 128 V <= 2^14 for V <= 128: 16-bit tree nodes (and shift-only indexing).
  localparam int SumW = 16;
  localparam int LogV = $clog2(NumLanes);
  localparam logic [WW-1:0] NzBits = {NumLanes{2'b01}};

  logic [(NumLanes << 4)-1:0] tree;
  logic [SumW-1:0]  sum_d, sum_q;
  logic             v1_q, first1_q, last1_q;
  logic [31:0]      acc_d, acc_q, shadow_d, shadow_q;
  logic [WW-1:0]    sub_pairs;
  logic             lane_nz, lane_sub;
  logic [7:0]       lane_a;

  // Stage 1: lane terms and the adder tree (only evaluated for a valid activation). The terms
  // enter the tree in offset binary (x + 128, i.e. the sign bit flipped: 0..255), so every node
  // is a zero-extended unsigned sum and synthesis trims each adder to its real width (9, 10, ...
  // bits) instead of the 16-bit slot; the V x 128 offset comes off once at the root.
  always_comb begin
    tree  = '0;
    lane_nz  = 1'b0;
    lane_sub = 1'b0;
    lane_a   = '0;
    sum_d = sum_q;
    sub_pairs = w_code_i & (w_code_i >> 1) & NzBits;   // bit 2v set: lane v subtracts
    if (a_valid_i) begin
      for (int v = 0; v < NumLanes; v++) begin
        lane_nz  = w_code_i[v << 1];
        lane_sub = sub_pairs[v << 1];
        lane_a   = (a_data_i[(v << 3) +: 8] & {8{lane_nz}}) ^ {8{lane_sub}};
        tree[(v << 4) +: SumW] = {{(SumW - 8){1'b0}}, ~lane_a[7], lane_a[6:0]};
      end
      // In-place pairwise reduction: level l adds nodes 2n and 2n+1 into node n.
      for (int l = 0; l < LogV; l++) begin
        for (int n = 0; n < (NumLanes >> (l + 1)); n++) begin
          tree[(n << 4) +: SumW] = tree[(n << 5) +: SumW] + tree[((n << 5) + SumW) +: SumW];
        end
      end
      sum_d = tree[SumW-1:0] + SumW'($countones(sub_pairs)) - SumW'(NumLanes << 7);
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

  // Data registers: no reset, loaded only with data that is used (no toggling on bubbles, nor on
  // weights no row below needs).
  always_ff @(posedge clk_i) begin
    if (a_valid_i) begin
      sum_q     <= sum_d;
      first1_q  <= a_first_i;
      last1_q   <= a_last_i;
      a_first_o <= a_first_i;
      a_last_o  <= a_last_i;
      a_data_o  <= a_data_i;
    end
    if (w_load_i) w_code_o <= w_code_i;
    acc_q    <= acc_d;
    shadow_q <= shadow_d;
  end

  assign shadow_o = shadow_q;
endmodule
