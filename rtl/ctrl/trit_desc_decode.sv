`include "trit_regs.svh"

// Descriptor decode and checks (combinational): the 64-byte record (layout from rtl/regmap.yaml)
// to the fields the units use, the quantities they derive from K and the format, and the error
// code of the first failing check in the priority of docs/architecture.md:
//   BAD_OPCODE, BAD_FORMAT, ZERO_DIM, K_TOO_LARGE, MISALIGNED, BAD_STRIDE.
//
// Derived values (meaningful only when err_o is NONE):
//   n_chunks   = ceil(K / V)                            (shift: V is a power of two)
//   tile_bytes = n_chunks x chunk_bytes(format)         (shift-and-add over the constant)
//   tile_beats = ceil(tile_bytes / B), pad = tile_beats B - tile_bytes
//   act_beats  = ceil(K / B)
module trit_desc_decode #(
  parameter int NumCols  = 4,
  parameter int NumLanes = 4,
  parameter int BusBytes = 8,
  parameter int KMax     = 512,
  parameter int AddrW    = 32,
  localparam int Trits    = trit_pkg::mul(NumCols, NumLanes),
  localparam int CbT2     = trit_pkg::chunk_bytes_t2(Trits),
  localparam int CbT5     = trit_pkg::chunk_bytes_t5(Trits),
  localparam int ChunksW    = trit_pkg::chunks_w(KMax, NumLanes),
  localparam int TileBytesW = $clog2(trit_pkg::mul(trit_pkg::div(KMax, NumLanes), CbT2) + 1),
  localparam int TileBeatsW = trit_pkg::tile_beats_w(KMax, NumCols, NumLanes, BusBytes),
  localparam int ActBeatsW  = trit_pkg::act_beats_w(KMax, BusBytes),
  localparam int PadW     = $clog2(BusBytes)
) (
  input  logic [511:0]           desc_i,
  output logic [3:0]             err_o,
  output logic                   fmt_o,        // 0 = T2, 1 = T5
  output logic                   irq_o,
  output logic [31:0]            m_o,
  output logic [31:0]            n_o,
  output logic [31:0]            tag_o,
  output logic [AddrW-1:0]       x_addr_o,
  output logic [AddrW-1:0]       w_addr_o,
  output logic [AddrW-1:0]       y_addr_o,
  output logic [31:0]            x_stride_o,
  output logic [31:0]            y_stride_o,
  output logic [ChunksW-1:0]     n_chunks_o,
  output logic [TileBeatsW-1:0]  tile_beats_o,
  output logic [PadW-1:0]        pad_o,
  output logic [ActBeatsW-1:0]   act_beats_o
);
  localparam int VLog2 = $clog2(NumLanes);
  localparam int BLog2 = $clog2(BusBytes);

  logic [7:0]  opcode;
  logic [1:0]  wfmt;
  logic [31:0] k;
  logic [63:0] x_addr, w_addr, y_addr;
  logic [32:0] k_plus;
  logic [33:0] four_n;
  logic [ChunksW-1:0]    chunks;
  logic [TileBytesW-1:0] tile_bytes;
  logic [TileBeatsW-1:0] tile_beats;
  logic [TileBeatsW+BLog2-1:0] tile_span;
  logic bad_opcode, bad_format, zero_dim, k_too_large, misaligned, bad_stride;

  assign opcode     = desc_i[`TRIT_DESC_CTRL_OPCODE_LSB +: `TRIT_DESC_CTRL_OPCODE_WIDTH];
  assign wfmt       = desc_i[`TRIT_DESC_CTRL_WFMT_LSB +: `TRIT_DESC_CTRL_WFMT_WIDTH];
  assign irq_o      = desc_i[`TRIT_DESC_CTRL_IRQ_LSB];
  assign m_o        = desc_i[`TRIT_DESC_M_LSB +: `TRIT_DESC_M_WIDTH];
  assign n_o        = desc_i[`TRIT_DESC_N_LSB +: `TRIT_DESC_N_WIDTH];
  assign k          = desc_i[`TRIT_DESC_K_LSB +: `TRIT_DESC_K_WIDTH];
  assign x_addr     = desc_i[`TRIT_DESC_X_ADDR_LSB +: `TRIT_DESC_X_ADDR_WIDTH];
  assign w_addr     = desc_i[`TRIT_DESC_W_ADDR_LSB +: `TRIT_DESC_W_ADDR_WIDTH];
  assign y_addr     = desc_i[`TRIT_DESC_Y_ADDR_LSB +: `TRIT_DESC_Y_ADDR_WIDTH];
  assign x_stride_o = desc_i[`TRIT_DESC_X_STRIDE_LSB +: `TRIT_DESC_X_STRIDE_WIDTH];
  assign y_stride_o = desc_i[`TRIT_DESC_Y_STRIDE_LSB +: `TRIT_DESC_Y_STRIDE_WIDTH];
  assign tag_o      = desc_i[`TRIT_DESC_TAG_LSB +: `TRIT_DESC_TAG_WIDTH];
  assign fmt_o      = (wfmt == 2'(`TRIT_WEIGHT_FORMAT_T5));
  assign x_addr_o   = x_addr[AddrW-1:0];
  assign w_addr_o   = w_addr[AddrW-1:0];
  assign y_addr_o   = y_addr[AddrW-1:0];

  // An address is usable when it is a multiple of B and fits in AddrW bits.
  function automatic logic addr_bad(input logic [63:0] a);
    addr_bad = (a[BLog2-1:0] != '0) || ((a >> AddrW) != 64'd0);
  endfunction

  always_comb begin
    four_n      = {n_o, 2'b00};
    bad_opcode  = (opcode != 8'(`TRIT_OPCODE_GEMM));
    bad_format  = (wfmt != 2'(`TRIT_WEIGHT_FORMAT_T2)) && (wfmt != 2'(`TRIT_WEIGHT_FORMAT_T5));
    zero_dim    = (m_o == '0) || (n_o == '0) || (k == '0);
    k_too_large = (k > 32'(KMax));
    misaligned  = addr_bad(x_addr) || addr_bad(w_addr) || addr_bad(y_addr);
    bad_stride  = (x_stride_o[BLog2-1:0] != '0) || (y_stride_o[BLog2-1:0] != '0) ||
                  ((m_o > 32'd1) && ((x_stride_o < k) || ({2'b00, y_stride_o} < four_n)));
    if (bad_opcode)       err_o = 4'(`TRIT_ERR_CODE_BAD_OPCODE);
    else if (bad_format)  err_o = 4'(`TRIT_ERR_CODE_BAD_FORMAT);
    else if (zero_dim)    err_o = 4'(`TRIT_ERR_CODE_ZERO_DIM);
    else if (k_too_large) err_o = 4'(`TRIT_ERR_CODE_K_TOO_LARGE);
    else if (misaligned)  err_o = 4'(`TRIT_ERR_CODE_MISALIGNED);
    else if (bad_stride)  err_o = 4'(`TRIT_ERR_CODE_BAD_STRIDE);
    else                  err_o = 4'(`TRIT_ERR_CODE_NONE);
  end

  // Derived sizes.
  always_comb begin
    k_plus = {1'b0, k} + 33'(NumLanes - 1);
    chunks = ChunksW'(k_plus >> VLog2);
    tile_bytes = '0;
    for (int b = 0; b < 16; b++) begin
      if (fmt_o ? CbT5[b] : CbT2[b]) tile_bytes = tile_bytes + (TileBytesW'(chunks) << b);
    end
    tile_beats = TileBeatsW'(((TileBytesW + 1)'(tile_bytes) + (TileBytesW + 1)'(BusBytes - 1)) >> BLog2);
    tile_span  = (TileBeatsW + BLog2)'(tile_beats) << BLog2;
    act_beats_o = ActBeatsW'(({1'b0, k} + 33'(BusBytes - 1)) >> BLog2);
  end
  assign n_chunks_o   = chunks;
  assign tile_beats_o = tile_beats;
  assign pad_o        = PadW'(tile_span - (TileBeatsW + BLog2)'(tile_bytes));

  logic unused;
  assign unused = ^{desc_i[511:`TRIT_DESC_TAG_LSB + `TRIT_DESC_TAG_WIDTH],
                    desc_i[`TRIT_DESC_CTRL_LSB +: `TRIT_DESC_CTRL_WIDTH]};
endmodule
