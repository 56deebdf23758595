// R x C systolic array of trit_pe, output stationary, with the input skew registers.
//
// The inputs arrive unskewed: in one cycle, one weight chunk for every column and the matching
// V activations for every row. The array delays column c's weights by c cycles and row r's
// activations (with their valid/first/last) by r cycles; then weights move down one row and
// activations move right one column per cycle, so chunk j meets PE(r, c) r + c cycles after it
// entered (docs/architecture.md, "Dataflow"):
//
//   cycle:        t     t+1    t+2    t+3                 column skew (weights)
//   PE(0,0)      j0     j1     j2     j3                   c=0: -
//   PE(0,1)       .     j0     j1     j2                   c=1: [w]
//   PE(0,2)       .      .     j0     j1                   c=2: [w][w]
//   PE(1,0)       .     j0     j1     j2                   row skew (activations)
//   PE(1,1)       .      .     j0     j1                   r=1: [a]
//   PE(1,2)       .      .      .     j0                   r=2: [a][a]
//
// Control (valid, first, last) travels with the activations, so a row past M (valid low) does
// nothing at all. A PE's result reaches its shadow register two cycles after its inputs (trit_pe
// stages), so the whole tile is in the shadows R + C cycles after its last chunk entered the
// array (PE(R-1, C-1): skew R-1 + C-1, then 2 stages). Skew registers load only valid data (operand isolation).
//
// Weight gating: a chunk goes down only as far as the last row that uses it. PE(r, c) loads its
// pass-through weight register (row r+1's weight input) only when row r+1's activation for the
// same chunk is valid, i.e. when it will be at PE(r+1, c) in the next cycle. That valid bit is,
// in the cycle PE(r, c) decides, the one entering PE(r+1, c-1) from the left (c >= 1), or for
// column 0 row r+1's row skew one stage before its end:
//
//             col 0                 col 1
//   row r     PE(r,0) w_load <--+   PE(r,1) w_load <--+
//                    |  early   |          |          |
//   row r+1   [skew r stages]---+-[1]-> PE(r+1,0) ----+--> PE(r+1,1)
//
// Below the last active row of a pass (rows at or past M, or every row below row 0 in decode)
// the weight registers hold their value instead of switching with every chunk; the last row's
// pass-through registers feed nothing and never load. The results and the timing do not change:
// a PE uses its weight input only with a valid activation, and then it was loaded in the cycle
// before (checked by an assertion).
module trit_array #(
  parameter int NumRows  = 2,
  parameter int NumCols  = 4,
  parameter int NumLanes = 4,
  localparam int AW = NumLanes << 3,
  localparam int WW = NumLanes << 1
) (
  input  logic                                           clk_i,
  input  logic                                           rst_ni,
  // one weight chunk for all columns: column c, lane v at [(cV+v)*2 +: 2]
  input  logic                                           w_valid_i,
  input  logic [trit_pkg::mul(NumCols, WW)-1:0]          w_code_i,
  // activations for all rows: row r, lane v at [(rV+v)*8 +: 8]; valid per row (row active)
  input  logic [NumRows-1:0]                             a_valid_i,
  input  logic                                           a_first_i,
  input  logic                                           a_last_i,
  input  logic [trit_pkg::mul(NumRows, AW)-1:0]          a_data_i,
  // shadow registers: PE(r, c) at [(rC+c)*32 +: 32]
  output logic [trit_pkg::mul(trit_pkg::mul(NumRows, NumCols), 32)-1:0] shadow_o,
  // counter events of column 0, bit r for row r (every column of a row sees the same chunks, a
  // cycle later per column, so C x these counts all PEs): row r's weight registers load a chunk
  // (row 0's: the chunk enters the column skew; row r >= 1's: PE(r-1, 0)'s pass-through
  // register), PE(r, 0)'s accumulator updates, PE(r, 0)'s shadow register takes the accumulator
  output logic [NumRows-1:0]                             ev_wreg_o,
  output logic [NumRows-1:0]                             ev_acc_o,
  output logic [NumRows-1:0]                             ev_shadow_o
);
  // Systolic nets, flattened (Yosys keeps unpacked net arrays as memories): h_* enter PE(r, c)
  // from the left at index r(C+1) + c, v_code enters PE(r, c) from above at index rC + c, w_load
  // is PE(r, c)'s at index rC + c.
  localparam int HN = trit_pkg::mul(NumRows, NumCols + 1);
  localparam int VN = trit_pkg::mul(NumRows + 1, NumCols);
  localparam int PN = trit_pkg::mul(NumRows, NumCols);
  logic [HN-1:0]                   h_valid, h_first, h_last;
  logic [trit_pkg::mul(HN, AW)-1:0] h_data;
  logic [NumCols-1:0]              col_valid;     // column c's skewed weights at row 0 are valid
  logic [trit_pkg::mul(VN, WW)-1:0] v_code;
  logic [PN-1:0]                   w_load;
  logic [NumRows-1:0]              early_valid;   // row r's activations reach PE(r, 0) next cycle

  // ---- row skew: row r delayed by r cycles (r - 1 stages, then the last one) --------------------
  for (genvar r = 0; r < NumRows; r++) begin : g_row_skew
    localparam int H0 = trit_pkg::mul(r, NumCols + 1);
    logic          skew_valid;
    logic [AW+1:0] skew_data;
    if (r == 0) begin : g_first
      assign skew_valid = a_valid_i[0];
      assign skew_data  = {a_first_i, a_last_i, a_data_i[AW-1:0]};
      assign early_valid[0] = 1'b0;   // row 0 has no row above to gate
    end else begin : g_skewed
      logic          mid_valid;
      logic [AW+1:0] mid_data;
      trit_delay #(.Width(AW + 2), .Stages(r - 1)) u_skew_early (
        .clk_i, .rst_ni,
        .valid_i (a_valid_i[r]),
        .data_i  ({a_first_i, a_last_i, a_data_i[trit_pkg::mul(r, AW) +: AW]}),
        .valid_o (mid_valid),
        .data_o  (mid_data)
      );
      trit_delay #(.Width(AW + 2), .Stages(1)) u_skew_last (
        .clk_i, .rst_ni,
        .valid_i (mid_valid),
        .data_i  (mid_data),
        .valid_o (skew_valid),
        .data_o  (skew_data)
      );
      assign early_valid[r] = mid_valid;
    end
    assign h_valid[H0] = skew_valid;
    assign h_first[H0] = skew_data[AW+1];
    assign h_last[H0]  = skew_data[AW];
    assign h_data[trit_pkg::mul(H0, AW) +: AW] = skew_data[AW-1:0];
  end

  // ---- column skew: column c delayed by c cycles ------------------------------------------------
  for (genvar c = 0; c < NumCols; c++) begin : g_col_skew
    trit_delay #(.Width(WW), .Stages(c)) u_skew (
      .clk_i, .rst_ni,
      .valid_i (w_valid_i),
      .data_i  (w_code_i[trit_pkg::mul(c, WW) +: WW]),
      .valid_o (col_valid[c]),
      .data_o  (v_code[trit_pkg::mul(c, WW) +: WW])
    );
  end

  // ---- weight gating: PE(r, c) passes the chunk down iff row r+1 uses it -------------------------
  for (genvar r = 0; r < NumRows; r++) begin : g_load_row
    for (genvar c = 0; c < NumCols; c++) begin : g_load_col
      localparam int PI = trit_pkg::mul(r, NumCols) + c;
      if (r == NumRows - 1) begin : g_last_row
        assign w_load[PI] = 1'b0;                    // nothing below
      end else if (c == 0) begin : g_col0
        assign w_load[PI] = early_valid[r + 1];
      end else begin : g_diag
        assign w_load[PI] = h_valid[trit_pkg::mul(r + 1, NumCols + 1) + c - 1];
      end
    end
  end

  // ---- the PE grid ------------------------------------------------------------------------------
  for (genvar r = 0; r < NumRows; r++) begin : g_row
    for (genvar c = 0; c < NumCols; c++) begin : g_col
      localparam int HI = trit_pkg::mul(r, NumCols + 1) + c;   // input from the left
      localparam int VI = trit_pkg::mul(r, NumCols) + c;       // input from above
      localparam int VO = VI + NumCols;                        // output below
      trit_pe #(.NumLanes(NumLanes)) u_pe (
        .clk_i,
        .rst_ni,
        .a_valid_i (h_valid[HI]),
        .a_first_i (h_first[HI]),
        .a_last_i  (h_last[HI]),
        .a_data_i  (h_data[trit_pkg::mul(HI, AW) +: AW]),
        .a_valid_o (h_valid[HI + 1]),
        .a_first_o (h_first[HI + 1]),
        .a_last_o  (h_last[HI + 1]),
        .a_data_o  (h_data[trit_pkg::mul(HI + 1, AW) +: AW]),
        .w_code_i  (v_code[trit_pkg::mul(VI, WW) +: WW]),
        .w_load_i  (w_load[VI]),
        .w_code_o  (v_code[trit_pkg::mul(VO, WW) +: WW]),
        .shadow_o  (shadow_o[trit_pkg::mul(VI, 32) +: 32])
      );
    end
  end

  // ---- counter events (column 0) ----------------------------------------------------------------
  // PE(r, 0)'s stage-2 valid and `last` are its a_valid_o / a_last_o (loaded from the same inputs).
  for (genvar r = 0; r < NumRows; r++) begin : g_events
    localparam int HO = trit_pkg::mul(r, NumCols + 1) + 1;   // PE(r, 0)'s output to the right
    if (r == 0) begin : g_top
      assign ev_wreg_o[r] = w_valid_i;
    end else begin : g_below
      assign ev_wreg_o[r] = w_load[trit_pkg::mul(r - 1, NumCols)];
    end
    assign ev_acc_o[r]    = h_valid[HO];
    assign ev_shadow_o[r] = h_valid[HO] && h_last[HO];
  end

  // The last column's pass-through outputs and the last row's weight outputs leave the array.
  logic unused;
  always_comb begin
    unused = 1'b0;
    for (int r = 0; r < NumRows; r++) begin
      unused = unused ^ h_valid[trit_pkg::mul(r, NumCols + 1) + NumCols]
                      ^ h_first[trit_pkg::mul(r, NumCols + 1) + NumCols]
                      ^ h_last[trit_pkg::mul(r, NumCols + 1) + NumCols]
                      ^ (^h_data[trit_pkg::mul(trit_pkg::mul(r, NumCols + 1) + NumCols, AW) +: AW]);
    end
    unused = unused ^ (^v_code[trit_pkg::mul(VN, WW)-1:trit_pkg::mul(VN - NumCols, WW)]);
    // The column skew's valid only qualifies its own registers (and the assertions below).
    unused = unused ^ (^col_valid) ^ early_valid[0];
  end

`ifndef SYNTHESIS
  // Activations come with a chunk, and every PE that computes was handed the chunk's weights:
  // row 0 straight from the column skew, row r from row r-1's pass-through register, which must
  // have loaded in the cycle before.
  logic [PN-1:0] w_load_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) w_load_q <= '0;
    else         w_load_q <= w_load;
  end
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      assert (a_valid_i == '0 || w_valid_i) else $error("trit_array: activations without a weight chunk");
    end
    for (int r = 0; r < NumRows; r++) begin
      for (int c = 0; c < NumCols; c++) begin
        if (rst_ni && h_valid[trit_pkg::mul(r, NumCols + 1) + c]) begin
          if (r == 0) begin
            assert (col_valid[c]) else $error("trit_array: PE(0, %0d) active without weights", c);
          end else begin
            assert (w_load_q[trit_pkg::mul(r - 1, NumCols) + c])
              else $error("trit_array: PE(%0d, %0d) active but its weights were not passed down", r, c);
          end
        end
      end
    end
  end
`endif
endmodule
