//! The packed form of `ring.enter`: SQEs and CQEs as bytes, laid out as wit/ring.wit says.
//! wasmtime lifts and lowers a record field by field, and the guest allocates every CQE's
//! `data` list; a byte list each way is one copy.

use crate::bindings::ioring::ring::types::{
    CancelArgs, FileStat, FixedArgs, GpioEdge, Ipv4SocketAddress, Ipv6SocketAddress, PollArgs, PollEvents, ReadArgs,
    RecvArgs, SendArgs, SendmsgArgs, ShutdownHow, SocketAddress, TimeoutArgs, WriteArgs,
};
use crate::bindings::{Cqe, CqeDetail, ErrorCode, Op, SqeFlags};
use crate::ring::Request;

const SQE_HEADER: usize = 32;
const CQE_HEADER: usize = 16;
/// `offset` with every bit set: no offset (the file's position).
const NO_OFFSET: u64 = u64::MAX;

/// `op` cases, in WIT order: only those with a packed form.
mod case {
    pub const NOP: u8 = 0;
    pub const READ: u8 = 1;
    pub const WRITE: u8 = 2;
    pub const READ_FIXED: u8 = 3;
    pub const WRITE_FIXED: u8 = 4;
    pub const SEND: u8 = 5;
    pub const RECV: u8 = 6;
    pub const RECV_MULTISHOT: u8 = 7;
    pub const RECVMSG: u8 = 8;
    pub const SENDMSG: u8 = 9;
    pub const ACCEPT: u8 = 10;
    pub const ACCEPT_MULTISHOT: u8 = 11;
    pub const LISTEN: u8 = 15;
    pub const SHUTDOWN: u8 = 17;
    pub const CLOSE: u8 = 19;
    pub const FSYNC: u8 = 20;
    pub const TIMEOUT: u8 = 22;
    pub const LINK_TIMEOUT: u8 = 23;
    pub const CANCEL: u8 = 24;
    pub const POLL: u8 = 25;
    pub const LOCAL_ADDRESS: u8 = 29;
    pub const FTRUNCATE: u8 = 30;
    pub const GPIO_GET: u8 = 35;
    pub const GPIO_SET: u8 = 36;
    pub const GPIO_EDGES: u8 = 37;
}

/// Reads the packed SQEs in `bytes`. An entry cut short by the end of the list completes
/// with `invalid` and ends the list; a case with no packed form completes with `invalid`.
pub fn decode_sqes(bytes: &[u8]) -> Vec<Request> {
    let mut out = Vec::with_capacity(bytes.len() / SQE_HEADER);
    let mut at = 0;
    while at < bytes.len() {
        let Some(h) = bytes.get(at..at + SQE_HEADER) else {
            // Not even a user-data to answer to: a partial header is not an entry.
            if let Some(ud) = bytes.get(at + 4..at + 8) {
                out.push(Request { op: Err(ErrorCode::Invalid), user_data: u32_at(ud, 0), flags: SqeFlags::empty() });
            }
            break;
        };
        let user_data = u32_at(h, 4);
        let flags = sqe_flags(h[1]);
        let payload = match h[0] {
            case::WRITE | case::SEND => u32_at(h, 12) as usize,
            // The data, then the destination's x bytes.
            case::SENDMSG => (u32_at(h, 12) as usize).saturating_add(u32_at(h, 24) as usize),
            _ => 0,
        };
        let start = at + SQE_HEADER;
        let Some(data) = start.checked_add(payload).and_then(|end| bytes.get(start..end)) else {
            out.push(Request { op: Err(ErrorCode::Invalid), user_data, flags });
            break;
        };
        out.push(Request { op: decode_op(h, data), user_data, flags });
        at = pad8(start + payload);
    }
    out
}

fn decode_op(h: &[u8], data: &[u8]) -> Result<Op, ErrorCode> {
    let (fd, len, offset, x, y) = (u32_at(h, 8), u32_at(h, 12), u64_at(h, 16), u32_at(h, 24), u32_at(h, 28));
    let position = (offset != NO_OFFSET).then_some(offset);
    Ok(match h[0] {
        case::NOP => Op::Nop,
        case::READ => Op::Read(ReadArgs { fd, len, offset: position }),
        case::WRITE => Op::Write(WriteArgs { fd, data: data.to_vec(), offset: position }),
        case::READ_FIXED => Op::ReadFixed(FixedArgs { fd, buffer: x, buffer_offset: y, len, offset: position }),
        case::WRITE_FIXED => Op::WriteFixed(FixedArgs { fd, buffer: x, buffer_offset: y, len, offset: position }),
        case::SEND => Op::Send(SendArgs { fd, data: data.to_vec() }),
        case::SENDMSG => {
            let (data, to) = data.split_at(len as usize);
            let to = if to.is_empty() { None } else { Some(address(to).ok_or(ErrorCode::Invalid)?) };
            Op::Sendmsg(SendmsgArgs { fd, data: data.to_vec(), to })
        }
        case::RECV => Op::Recv(RecvArgs { fd, len }),
        case::RECV_MULTISHOT => Op::RecvMultishot(RecvArgs { fd, len }),
        case::RECVMSG => Op::Recvmsg(RecvArgs { fd, len }),
        case::ACCEPT => Op::Accept(fd),
        case::ACCEPT_MULTISHOT => Op::AcceptMultishot(fd),
        case::LISTEN => Op::Listen((fd, x)),
        case::SHUTDOWN => Op::Shutdown((fd, shutdown_how(x)?)),
        case::CLOSE => Op::Close(fd),
        case::FSYNC => Op::Fsync((fd, boolean(x)?)),
        case::TIMEOUT => Op::Timeout(TimeoutArgs { duration_ns: offset, count: x }),
        case::LINK_TIMEOUT => Op::LinkTimeout(offset),
        case::CANCEL => Op::Cancel(CancelArgs { target: x, all: boolean(y)? }),
        case::POLL => Op::Poll(PollArgs { fd, events: poll_events(x)?, multishot: boolean(y)? }),
        case::LOCAL_ADDRESS => Op::LocalAddress(fd),
        case::FTRUNCATE => Op::Ftruncate((fd, offset)),
        case::GPIO_GET => Op::GpioGet(fd),
        case::GPIO_SET => Op::GpioSet((fd, boolean(x)?)),
        case::GPIO_EDGES => Op::GpioEdges(fd),
        _ => return Err(ErrorCode::Invalid),
    })
}

fn boolean(v: u32) -> Result<bool, ErrorCode> {
    match v {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(ErrorCode::Invalid),
    }
}

fn shutdown_how(v: u32) -> Result<ShutdownHow, ErrorCode> {
    Ok(match v {
        0 => ShutdownHow::Read,
        1 => ShutdownHow::Write,
        2 => ShutdownHow::Both,
        _ => return Err(ErrorCode::Invalid),
    })
}

/// The bits in WIT order; a bit past the last flag is `invalid`, as the canonical ABI traps.
fn poll_events(v: u32) -> Result<PollEvents, ErrorCode> {
    const ALL: [PollEvents; 6] = [
        PollEvents::READABLE,
        PollEvents::WRITABLE,
        PollEvents::PRIORITY,
        PollEvents::ERROR,
        PollEvents::HANG_UP,
        PollEvents::READ_HANG_UP,
    ];
    if v >> ALL.len() != 0 {
        return Err(ErrorCode::Invalid);
    }
    Ok(ALL.iter().enumerate().filter(|(bit, _)| v & (1 << bit) != 0).fold(PollEvents::empty(), |a, (_, &f)| a | f))
}

/// Unknown bits are ignored, as `submit` ignores nothing it can name.
fn sqe_flags(v: u8) -> SqeFlags {
    let mut flags = SqeFlags::empty();
    for (bit, f) in [SqeFlags::LINK, SqeFlags::HARD_LINK, SqeFlags::DRAIN].into_iter().enumerate() {
        if v & (1 << bit) != 0 {
            flags |= f;
        }
    }
    flags
}

/// The result of `enter`, written as the completions come: how many SQEs were queued, the
/// count of CQEs, then the CQEs packed.
pub struct Completions {
    out: Vec<u8>,
    count: u32,
}

impl Completions {
    pub fn new(queued: u32) -> Self {
        // Room for a round of 32 plain CQEs without growing.
        let mut out = Vec::with_capacity(8 + 32 * CQE_HEADER);
        out.extend_from_slice(&queued.to_le_bytes());
        // The count, filled in by `finish`.
        out.extend_from_slice(&[0; 4]);
        Self { out, count: 0 }
    }

    pub fn push(&mut self, c: &Cqe) {
        let out = &mut self.out;
        let (res, error) = match c.res {
            Ok(n) => (n, 0),
            Err(code) => (code as u32, 2),
        };
        let detail = detail_len(&c.detail);
        out.reserve(pad8(CQE_HEADER + c.data.len() + detail));
        out.extend_from_slice(&c.user_data.to_le_bytes());
        out.extend_from_slice(&res.to_le_bytes());
        out.push(c.more as u8 | error);
        out.push(detail_case(&c.detail));
        out.extend_from_slice(&(detail as u16).to_le_bytes());
        out.extend_from_slice(&(c.data.len() as u32).to_le_bytes());
        out.extend_from_slice(&c.data);
        encode_detail(out, &c.detail);
        out.resize(pad8(out.len()), 0);
        self.count += 1;
    }

    pub fn finish(mut self) -> Vec<u8> {
        self.out[4..8].copy_from_slice(&self.count.to_le_bytes());
        self.out
    }
}

fn detail_case(d: &CqeDetail) -> u8 {
    match d {
        CqeDetail::None => 0,
        CqeDetail::Handle(_) => 1,
        CqeDetail::Accepted(_) => 2,
        CqeDetail::Peer(_) => 3,
        CqeDetail::Stat(_) => 4,
        CqeDetail::Address(_) => 5,
        CqeDetail::GpioEdge(_) => 6,
    }
}

fn detail_len(d: &CqeDetail) -> usize {
    match d {
        CqeDetail::None => 0,
        CqeDetail::Handle(_) => 4,
        CqeDetail::Accepted((_, a)) => 4 + address_len(a),
        CqeDetail::Peer(a) | CqeDetail::Address(a) => address_len(a),
        CqeDetail::Stat(_) => 32,
        CqeDetail::GpioEdge(_) => 16,
    }
}

fn address_len(a: &SocketAddress) -> usize {
    4 + match a {
        SocketAddress::Ipv4(_) => 4,
        SocketAddress::Ipv6(_) => 24,
        SocketAddress::Unix(path) => path.len(),
    }
}

fn encode_detail(out: &mut Vec<u8>, d: &CqeDetail) {
    match d {
        CqeDetail::None => {}
        CqeDetail::Handle(h) => out.extend_from_slice(&h.to_le_bytes()),
        CqeDetail::Accepted((h, a)) => {
            out.extend_from_slice(&h.to_le_bytes());
            encode_address(out, a);
        }
        CqeDetail::Peer(a) | CqeDetail::Address(a) => encode_address(out, a),
        CqeDetail::Stat(FileStat { type_, size, mode, links, modified_ns }) => {
            out.extend_from_slice(&[*type_ as u8, 0, 0, 0]);
            out.extend_from_slice(&mode.to_le_bytes());
            out.extend_from_slice(&links.to_le_bytes());
            out.extend_from_slice(&0u32.to_le_bytes());
            out.extend_from_slice(&size.to_le_bytes());
            out.extend_from_slice(&modified_ns.to_le_bytes());
        }
        CqeDetail::GpioEdge(GpioEdge { rising, timestamp_ns, seqno }) => {
            out.extend_from_slice(&[*rising as u8, 0, 0, 0]);
            out.extend_from_slice(&seqno.to_le_bytes());
            out.extend_from_slice(&timestamp_ns.to_le_bytes());
        }
    }
}

fn encode_address(out: &mut Vec<u8>, a: &SocketAddress) {
    match a {
        SocketAddress::Ipv4(v4) => {
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(&v4.port.to_le_bytes());
            let (a, b, c, d) = v4.address;
            out.extend_from_slice(&[a, b, c, d]);
        }
        SocketAddress::Ipv6(v6) => {
            out.extend_from_slice(&[1, 0]);
            out.extend_from_slice(&v6.port.to_le_bytes());
            out.extend_from_slice(&v6.flow_info.to_le_bytes());
            let (a, b, c, d, e, f, g, h) = v6.address;
            for group in [a, b, c, d, e, f, g, h] {
                out.extend_from_slice(&group.to_le_bytes());
            }
            out.extend_from_slice(&v6.scope_id.to_le_bytes());
        }
        SocketAddress::Unix(path) => {
            out.extend_from_slice(&[2, 0, 0, 0]);
            out.extend_from_slice(path.as_bytes());
        }
    }
}

/// A socket address in the form `encode_address` writes; None unless whole and of a known case.
fn address(b: &[u8]) -> Option<SocketAddress> {
    let port = u16::from_le_bytes([*b.get(2)?, *b.get(3)?]);
    let u16_at = |at: usize| u16::from_le_bytes([b[at], b[at + 1]]);
    match (b[0], b.len()) {
        (0, 8) => Some(SocketAddress::Ipv4(Ipv4SocketAddress { port, address: (b[4], b[5], b[6], b[7]) })),
        (1, 28) => Some(SocketAddress::Ipv6(Ipv6SocketAddress {
            port,
            flow_info: u32_at(b, 4),
            address: (u16_at(8), u16_at(10), u16_at(12), u16_at(14), u16_at(16), u16_at(18), u16_at(20), u16_at(22)),
            scope_id: u32_at(b, 24),
        })),
        // A path that is not UTF-8 could not be lifted from a record either.
        (2, _) => String::from_utf8(b[4..].to_vec()).ok().map(SocketAddress::Unix),
        _ => None,
    }
}

fn pad8(n: usize) -> usize {
    (n + 7) & !7
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("four bytes"))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("eight bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::ioring::ring::types::{FileType, Ipv4SocketAddress, Ipv6SocketAddress};

    /// A packed SQE as the C SDK writes it.
    fn sqe(case: u8, flags: u8, user_data: u32, fd: u32, len: u32, offset: u64, x: u32, y: u32, payload: &[u8]) -> Vec<u8> {
        let mut b = vec![case, flags, 0, 0];
        for v in [user_data, fd, len] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.extend_from_slice(&offset.to_le_bytes());
        b.extend_from_slice(&x.to_le_bytes());
        b.extend_from_slice(&y.to_le_bytes());
        b.extend_from_slice(payload);
        b.resize(pad8(b.len()), 0);
        b
    }

    fn ops(bytes: &[u8]) -> Vec<String> {
        decode_sqes(bytes).into_iter().map(|r| format!("{} {:?} {:?}", r.user_data, r.flags, r.op)).collect()
    }

    #[test]
    fn every_packed_case_decodes_to_the_op_submit_would_take() {
        let cases: Vec<(Vec<u8>, Op)> = vec![
            (sqe(0, 0, 1, 0, 0, 0, 0, 0, b""), Op::Nop),
            (sqe(1, 0, 1, 3, 4096, 512, 0, 0, b""), Op::Read(ReadArgs { fd: 3, len: 4096, offset: Some(512) })),
            (sqe(1, 0, 1, 3, 10, NO_OFFSET, 0, 0, b""), Op::Read(ReadArgs { fd: 3, len: 10, offset: None })),
            (sqe(2, 0, 1, 4, 5, NO_OFFSET, 0, 0, b"hello"), Op::Write(WriteArgs { fd: 4, data: b"hello".to_vec(), offset: None })),
            (sqe(3, 0, 1, 5, 100, 8, 2, 16, b""), Op::ReadFixed(FixedArgs { fd: 5, buffer: 2, buffer_offset: 16, len: 100, offset: Some(8) })),
            (sqe(4, 0, 1, 5, 100, NO_OFFSET, 1, 0, b""), Op::WriteFixed(FixedArgs { fd: 5, buffer: 1, buffer_offset: 0, len: 100, offset: None })),
            (sqe(5, 0, 1, 6, 3, 0, 0, 0, b"abc"), Op::Send(SendArgs { fd: 6, data: b"abc".to_vec() })),
            (sqe(6, 0, 1, 6, 64, 0, 0, 0, b""), Op::Recv(RecvArgs { fd: 6, len: 64 })),
            (sqe(7, 0, 1, 6, 64, 0, 0, 0, b""), Op::RecvMultishot(RecvArgs { fd: 6, len: 64 })),
            (sqe(8, 0, 1, 6, 64, 0, 0, 0, b""), Op::Recvmsg(RecvArgs { fd: 6, len: 64 })),
            (sqe(10, 0, 1, 7, 0, 0, 0, 0, b""), Op::Accept(7)),
            (sqe(11, 0, 1, 7, 0, 0, 0, 0, b""), Op::AcceptMultishot(7)),
            (sqe(15, 0, 1, 7, 0, 0, 128, 0, b""), Op::Listen((7, 128))),
            (sqe(17, 0, 1, 7, 0, 0, 1, 0, b""), Op::Shutdown((7, ShutdownHow::Write))),
            (sqe(19, 0, 1, 7, 0, 0, 0, 0, b""), Op::Close(7)),
            (sqe(20, 0, 1, 7, 0, 0, 1, 0, b""), Op::Fsync((7, true))),
            (sqe(22, 0, 1, 0, 0, 1_000_000, 3, 0, b""), Op::Timeout(TimeoutArgs { duration_ns: 1_000_000, count: 3 })),
            (sqe(23, 0, 1, 0, 0, 5_000, 0, 0, b""), Op::LinkTimeout(5_000)),
            (sqe(24, 0, 1, 0, 0, 0, 42, 1, b""), Op::Cancel(CancelArgs { target: 42, all: true })),
            (
                sqe(25, 0, 1, 8, 0, 0, 0b10_0001, 1, b""),
                Op::Poll(PollArgs { fd: 8, events: PollEvents::READABLE | PollEvents::READ_HANG_UP, multishot: true }),
            ),
            (sqe(29, 0, 1, 8, 0, 0, 0, 0, b""), Op::LocalAddress(8)),
            (sqe(30, 0, 1, 8, 0, 4096, 0, 0, b""), Op::Ftruncate((8, 4096))),
            (sqe(35, 0, 1, 9, 0, 0, 0, 0, b""), Op::GpioGet(9)),
            (sqe(36, 0, 1, 9, 0, 0, 1, 0, b""), Op::GpioSet((9, true))),
            (sqe(37, 0, 1, 9, 0, 0, 0, 0, b""), Op::GpioEdges(9)),
        ];
        for (bytes, op) in cases {
            assert_eq!(ops(&bytes), vec![format!("1 {:?} {:?}", SqeFlags::empty(), Ok::<_, ErrorCode>(op))]);
        }
    }

    #[test]
    fn entries_follow_one_another_at_eight_byte_boundaries_with_their_flags() {
        let mut bytes = sqe(2, 1, 10, 4, 3, NO_OFFSET, 0, 0, b"abc");
        bytes.extend(sqe(23, 0, 11, 0, 0, 9, 0, 0, b""));
        bytes.extend(sqe(0, 4, 12, 0, 0, 0, 0, 0, b""));
        assert_eq!(bytes.len(), 40 + 32 + 32);
        let got = decode_sqes(&bytes);
        let summary: Vec<_> = got.iter().map(|r| (r.user_data, r.flags, r.op.is_ok())).collect();
        assert_eq!(summary, vec![(10, SqeFlags::LINK, true), (11, SqeFlags::empty(), true), (12, SqeFlags::DRAIN, true)]);
    }

    #[test]
    fn a_case_without_a_packed_form_or_a_bad_value_completes_with_invalid_and_the_list_goes_on() {
        let mut bytes = Vec::new();
        for case in [12, 13, 14, 16, 18, 21, 26, 27, 28, 31, 32, 33, 34, 38, 255] {
            bytes.extend(sqe(case, 0, case as u32, 1, 0, 0, 0, 0, b""));
        }
        bytes.extend(sqe(17, 0, 100, 1, 0, 0, 3, 0, b"")); // shutdown-how 3
        bytes.extend(sqe(20, 0, 101, 1, 0, 0, 2, 0, b"")); // datasync 2
        bytes.extend(sqe(25, 0, 102, 1, 0, 0, 1 << 6, 0, b"")); // a seventh poll event
        bytes.extend(sqe(0, 0, 103, 0, 0, 0, 0, 0, b""));
        let got = decode_sqes(&bytes);
        assert_eq!(got.len(), 19);
        for r in &got[..18] {
            assert!(matches!(r.op, Err(ErrorCode::Invalid)), "{}: {:?}", r.user_data, r.op);
        }
        assert!(matches!(got[18].op, Ok(Op::Nop)));
    }

    #[test]
    fn sendmsg_carries_its_data_then_its_destination_each_family_decodes_and_a_bad_one_is_invalid() {
        let sendmsg = |user_data: u32, to: &[u8]| {
            let mut payload = b"ping".to_vec();
            payload.extend_from_slice(to);
            sqe(9, 0, user_data, 6, 4, 0, to.len() as u32, 0, &payload)
        };
        let v4 = [0, 0, 0x90, 0x1f, 127, 0, 0, 1];
        let mut v6 = vec![1, 0, 0xbb, 0x01, 5, 0, 0, 0];
        for g in [0xfe80u16, 0, 0, 0, 0, 0, 0, 1] {
            v6.extend_from_slice(&g.to_le_bytes());
        }
        v6.extend_from_slice(&2u32.to_le_bytes());
        let mut bytes = sendmsg(1, &v4);
        bytes.extend(sendmsg(2, &v6));
        bytes.extend(sendmsg(3, b"\x02\0\0\0/run/s"));
        bytes.extend(sendmsg(4, b""));
        // Not whole, an unknown case, an ipv6 case with an ipv4's length, a path not UTF-8.
        for (ud, bad) in [(5, &v4[..5]), (6, &[7, 0, 0, 0, 1, 2, 3, 4][..]), (7, &v4[..]), (8, &[2, 0, 0, 0, 0xff][..])] {
            let mut bad = bad.to_vec();
            if ud == 7 {
                bad[0] = 1;
            }
            bytes.extend(sendmsg(ud, &bad));
        }
        bytes.extend(sqe(0, 0, 9, 0, 0, 0, 0, 0, b""));
        let to = |r: &Request| match &r.op {
            Ok(Op::Sendmsg(SendmsgArgs { fd: 6, data, to })) if data == b"ping" => format!("{to:?}"),
            other => format!("not a sendmsg of ping on 6: {other:?}"),
        };
        let some = |a: SocketAddress| format!("{:?}", Some(a));
        let got = decode_sqes(&bytes);
        assert_eq!(got.len(), 9);
        assert_eq!(to(&got[0]), some(SocketAddress::Ipv4(Ipv4SocketAddress { port: 8080, address: (127, 0, 0, 1) })));
        let want6 = Ipv6SocketAddress { port: 443, flow_info: 5, address: (0xfe80, 0, 0, 0, 0, 0, 0, 1), scope_id: 2 };
        assert_eq!(to(&got[1]), some(SocketAddress::Ipv6(want6)));
        assert_eq!(to(&got[2]), some(SocketAddress::Unix("/run/s".into())));
        assert_eq!(to(&got[3]), "None");
        for r in &got[4..8] {
            assert!(matches!(r.op, Err(ErrorCode::Invalid)), "{}: {:?}", r.user_data, r.op);
        }
        assert!(matches!(got[8].op, Ok(Op::Nop)));
        // Data and destination that together run past the end: invalid, and the list ends.
        let mut cut = sqe(9, 0, 10, 6, 4, 0, 8, 0, b"ping");
        cut.extend(sqe(0, 0, 11, 0, 0, 0, 0, 0, b""));
        let got = decode_sqes(&cut[..36]);
        assert_eq!((got.len(), got[0].user_data, matches!(got[0].op, Err(ErrorCode::Invalid))), (1, 10, true));
    }

    #[test]
    fn an_entry_cut_short_completes_with_invalid_and_ends_the_list() {
        // A write whose payload runs past the end.
        let mut bytes = sqe(2, 0, 7, 4, 100, NO_OFFSET, 0, 0, b"");
        bytes.extend(sqe(0, 0, 8, 0, 0, 0, 0, 0, b""));
        let got = decode_sqes(&bytes);
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].user_data, matches!(got[0].op, Err(ErrorCode::Invalid))), (7, true));
        // A header cut after its user-data, and one cut before it.
        let nop = sqe(0, 0, 9, 0, 0, 0, 0, 0, b"");
        let got = decode_sqes(&nop[..12]);
        assert_eq!((got.len(), got[0].user_data, matches!(got[0].op, Err(ErrorCode::Invalid))), (1, 9, true));
        assert!(decode_sqes(&nop[..7]).is_empty());
        // A length that wraps a 32-bit size.
        let bytes = sqe(5, 0, 10, 4, u32::MAX, 0, 0, 0, b"");
        assert!(matches!(decode_sqes(&bytes)[0].op, Err(ErrorCode::Invalid)));
    }

    #[test]
    fn any_bytes_decode_without_panicking() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 200) as usize;
            let mut bytes: Vec<u8> = (0..len).map(|i| (seed >> (i % 56)) as u8).collect();
            if len > 0 {
                bytes[0] = (seed % 40) as u8;
            }
            for r in decode_sqes(&bytes) {
                let _ = r.op;
            }
        }
    }

    fn cqe(user_data: u32, res: Result<u32, ErrorCode>, more: bool, data: &[u8], detail: CqeDetail) -> Cqe {
        Cqe { user_data, res, more, data: data.to_vec(), detail }
    }

    #[test]
    fn completions_encode_byte_for_byte() {
        let v4 = SocketAddress::Ipv4(Ipv4SocketAddress { port: 8080, address: (127, 0, 0, 1) });
        let v6 = SocketAddress::Ipv6(Ipv6SocketAddress { port: 443, flow_info: 5, address: (0xfe80, 0, 0, 0, 0, 0, 0, 1), scope_id: 2 });
        let cqes = vec![
            cqe(1, Ok(3), false, b"abc", CqeDetail::None),
            cqe(2, Err(ErrorCode::Invalid), true, b"", CqeDetail::Handle(9)),
            cqe(3, Ok(0), true, b"", CqeDetail::Accepted((4, v4))),
            cqe(4, Ok(1), false, b"x", CqeDetail::Peer(v6)),
            cqe(5, Ok(0), false, b"", CqeDetail::Address(SocketAddress::Unix("/s".into()))),
            cqe(
                6,
                Ok(0),
                false,
                b"",
                CqeDetail::Stat(FileStat { type_: FileType::Directory, size: 4096, mode: 0o755, links: 2, modified_ns: 7 }),
            ),
            cqe(7, Ok(0), true, b"", CqeDetail::GpioEdge(GpioEdge { rising: true, timestamp_ns: 99, seqno: 3 })),
        ];
        let mut result = Completions::new(5);
        for c in &cqes {
            result.push(c);
        }
        let out = result.finish();
        let mut want: Vec<u8> = Vec::new();
        let w32 = |w: &mut Vec<u8>, v: u32| w.extend_from_slice(&v.to_le_bytes());
        w32(&mut want, 5);
        w32(&mut want, 7);
        // 1: data "abc", no detail, padded to 24.
        want.extend([1, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, b'a', b'b', b'c', 0, 0, 0, 0, 0]);
        // 2: an error (`invalid`'s case), more, a handle.
        let invalid = ErrorCode::Invalid as u8;
        want.extend([2, 0, 0, 0, invalid, 0, 0, 0, 3, 1, 4, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0]);
        // 3: accepted handle 4 from 127.0.0.1:8080.
        want.extend([3, 0, 0, 0, 0, 0, 0, 0, 1, 2, 12, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0x90, 0x1f, 127, 0, 0, 1]);
        want.extend([0; 4]);
        // 4: one byte of data, then the peer [fe80::1%2]:443 with flow-info 5.
        want.extend([4, 0, 0, 0, 1, 0, 0, 0, 0, 3, 28, 0, 1, 0, 0, 0, b'x', 1, 0, 0xbb, 0x01, 5, 0, 0, 0]);
        want.extend([0x80, 0xfe, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0]);
        want.extend([0; 3]);
        // 5: a unix address.
        want.extend([5, 0, 0, 0, 0, 0, 0, 0, 0, 5, 6, 0, 0, 0, 0, 0, 2, 0, 0, 0, b'/', b's', 0, 0]);
        // 6: a directory's metadata.
        want.extend([6, 0, 0, 0, 0, 0, 0, 0, 0, 4, 32, 0, 0, 0, 0, 0]);
        want.extend([FileType::Directory as u8, 0, 0, 0, 0xed, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]);
        want.extend([0, 0x10, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0]);
        // 7: a rising edge.
        want.extend([7, 0, 0, 0, 0, 0, 0, 0, 1, 6, 16, 0, 0, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 99, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(out, want);
    }
}
