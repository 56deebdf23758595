// Weight requester: for each pass, asks the read DMA (client 2, lowest priority, with credits
// against the weight FIFO) for the packed weight blob one tile at a time:
//   for n0 = 0; n0 < N; n0 += C: request tile_beats beats at w_addr + t x tile_beats x B
// Each request carries the format and the tile's padding as user bits, which come back with the
// beats (trit_wfeed drops the padding). It moves on to the next pass (the next GEMV's weights)
// as soon as the last tile of this one is requested, so the weight stream does not pause between
// queued descriptors.
module trit_wreq #(
  parameter int NumCols    = 4,
  parameter int BusBytes   = 8,
  parameter int AddrW      = 32,
  parameter int IdxW       = 16,
  parameter int TileBeatsW = 8,
  parameter int PadW       = 3,
  parameter int ReqBeatsW  = 16,
  parameter int UserW      = 4
) (
  input  logic                  clk_i,
  input  logic                  rst_ni,
  // pass commands
  input  logic                  cmd_valid_i,
  output logic                  cmd_ready_o,
  input  logic [AddrW-1:0]      cmd_w_addr_i,
  input  logic [31:0]           cmd_n_i,
  input  logic [TileBeatsW-1:0] cmd_tile_beats_i,
  input  logic [PadW-1:0]       cmd_pad_i,
  input  logic                  cmd_fmt_i,
  input  logic [IdxW-1:0]       cmd_idx_i,
  // read DMA requests
  output logic                  req_valid_o,
  input  logic                  req_ready_i,
  output logic [AddrW-1:0]      req_addr_o,
  output logic [ReqBeatsW-1:0]  req_beats_o,
  output logic [UserW-1:0]      req_user_o,   // {format, padding}
  output logic [IdxW-1:0]       req_idx_o
);
  localparam int BLog2 = $clog2(BusBytes);
  localparam int CmdW  = AddrW + 32 + TileBeatsW + PadW + 1 + IdxW;

  logic                  c_valid, c_pop;
  logic [CmdW-1:0]       c_data;
  logic [AddrW-1:0]      c_w_addr;
  logic [31:0]           c_n;
  logic [TileBeatsW-1:0] c_tile_beats;
  logic [PadW-1:0]       c_pad;
  logic                  c_fmt;
  logic [IdxW-1:0]       c_idx;
  logic [1:0]            unused_count;

  trit_fifo #(.Width(CmdW), .Depth(2)) u_cmds (
    .clk_i, .rst_ni,
    .in_valid_i  (cmd_valid_i),
    .in_ready_o  (cmd_ready_o),
    .in_data_i   ({cmd_w_addr_i, cmd_n_i, cmd_tile_beats_i, cmd_pad_i, cmd_fmt_i, cmd_idx_i}),
    .out_valid_o (c_valid),
    .out_ready_i (c_pop),
    .out_data_o  (c_data),
    .count_o     (unused_count)
  );
  assign {c_w_addr, c_n, c_tile_beats, c_pad, c_fmt, c_idx} = c_data;

  logic             started_q, started_d;
  logic [AddrW-1:0] addr_q, addr_d, addr_cur;
  logic [32:0]      n0_q, n0_d, n0_next;
  logic             hs, tile_last;

  always_comb begin
    addr_cur  = started_q ? addr_q : c_w_addr;
    n0_next   = (started_q ? n0_q : 33'd0) + 33'(NumCols);
    tile_last = (n0_next >= {1'b0, c_n});
    hs        = req_valid_o && req_ready_i;
    c_pop     = hs && tile_last;
    started_d = started_q;
    addr_d    = addr_q;
    n0_d      = n0_q;
    if (hs) begin
      started_d = !tile_last;
      addr_d    = addr_cur + (AddrW'(c_tile_beats) << BLog2);
      n0_d      = n0_next;
    end
  end

  assign req_valid_o = c_valid;
  assign req_addr_o  = addr_cur;
  assign req_beats_o = ReqBeatsW'(c_tile_beats);
  assign req_user_o  = UserW'({c_fmt, c_pad});
  assign req_idx_o   = c_idx;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) started_q <= 1'b0;
    else         started_q <= started_d;
  end
  always_ff @(posedge clk_i) begin
    addr_q <= addr_d;
    n0_q   <= n0_d;
  end
endmodule
