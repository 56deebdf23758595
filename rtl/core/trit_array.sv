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
  // from the left at index r(C+1) + c, v_* enter PE(r, c) from above at index rC + c.
  localparam int HN = trit_pkg::mul(NumRows, NumCols + 1);
  localparam int VN = trit_pkg::mul(NumRows + 1, NumCols);
  logic [HN-1:0]                   h_valid, h_first, h_last;
  logic [trit_pkg::mul(HN, AW)-1:0] h_data;
  logic [VN-1:0]                   v_valid;
  logic [trit_pkg::mul(VN, WW)-1:0] v_code;

  // ---- row skew: row r delayed by r cycles ------------------------------------------------------
  for (genvar r = 0; r < NumRows; r++) begin : g_row_skew
    localparam int H0 = trit_pkg::mul(r, NumCols + 1);
    logic          skew_valid;
    logic [AW+1:0] skew_data;
    trit_delay #(.Width(AW + 2), .Stages(r)) u_skew (
      .clk_i, .rst_ni,
      .valid_i (a_valid_i[r]),
      .data_i  ({a_first_i, a_last_i, a_data_i[trit_pkg::mul(r, AW) +: AW]}),
      .valid_o (skew_valid),
      .data_o  (skew_data)
    );
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
      .valid_o (v_valid[c]),
      .data_o  (v_code[trit_pkg::mul(c, WW) +: WW])
    );
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
        .w_valid_i (v_valid[VI]),
        .w_code_i  (v_code[trit_pkg::mul(VI, WW) +: WW]),
        .w_valid_o (v_valid[VO]),
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
      assign ev_wreg_o[r] = v_valid[trit_pkg::mul(r - 1, NumCols)];
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
    unused = unused ^ (^v_valid[VN-1:VN-NumCols]) ^ (^v_code[trit_pkg::mul(VN, WW)-1:trit_pkg::mul(VN - NumCols, WW)]);
  end
endmodule
