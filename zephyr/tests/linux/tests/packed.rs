//! The packed form of `ring.enter` (lib/abi/ior_abi_packed.c), against entries and results
//! laid out by hand from the doc comment of `enter` in wit/ring.wit: every packed op decodes to
//! what the record decoder makes of the same operation, malformed entries to exact codes, and
//! every detail kind encodes byte for byte.

use ioring_zephyr_abi::probe::{self, Cqe, Sqe};

const INVALID: i32 = 1 + 18; // 1 + error-code `invalid`
const NO_OFFSET: u64 = u64::MAX;
/// Where the tests put a packed list, and a record, in the stand-in guest memory.
const LIST: u32 = 256;
const RECORD: u32 = 4096;
const MEM: usize = 8192;

fn pad8(n: usize) -> usize {
    (n + 7) & !7
}

/// A packed SQE: the 32-byte header, then `payload`, padded to 8.
#[allow(clippy::too_many_arguments)]
fn sqe(op: u8, flags: u8, user_data: u32, fd: u32, len: u32, offset: u64, x: u32, y: u32, payload: &[u8]) -> Vec<u8> {
    let mut b = vec![op, flags, 0, 0];
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

/// A memory holding `list` at LIST.
fn memory(list: &[u8]) -> Vec<u8> {
    let mut mem = vec![0u8; MEM];
    mem[LIST as usize..LIST as usize + list.len()].copy_from_slice(list);
    mem
}

/// Decodes the entry at `at`; the decoder must move `at` where peek says the next one is.
fn decode_in(mem: &[u8], len: u32, at: u32) -> (i32, Sqe) {
    let (mut out, mut next) = (Sqe::default(), at);
    let ret = unsafe { probe::probe_packed_decode(mem.as_ptr(), mem.len() as u32, LIST, len, at, &mut out, &mut next) };
    let list = &mem[LIST as usize..(LIST + len) as usize];
    match ret {
        -1 => assert_eq!(next, at, "no entry: at unmoved"),
        _ => assert_eq!(Some(next), peek(list, at).map(|p| p.0), "decode and peek agree on the next entry"),
    }
    (ret, out)
}

fn decode(list: &[u8], at: u32) -> (i32, Sqe) {
    decode_in(&memory(list), list.len() as u32, at)
}

fn peek(list: &[u8], at: u32) -> Option<(u32, u8, u8)> {
    let (mut op, mut flags) = (0u8, 0u8);
    let next = unsafe { probe::ior_abi_packed_peek(list.as_ptr(), list.len() as u32, at, &mut op, &mut flags) };
    (next != 0).then_some((next, op, flags))
}

/// A record SQE (the canonical ABI's wasm32 layout: op case @0, payload @8, user-data @56,
/// flags @60), its payload's fields given as (offset in the payload, bytes).
fn record(op: u8, user_data: u32, flags: u8, fields: &[(usize, &[u8])]) -> [u8; 64] {
    let mut r = [0u8; 64];
    r[0] = op;
    for (at, bytes) in fields {
        r[8 + at..8 + at + bytes.len()].copy_from_slice(bytes);
    }
    r[56..60].copy_from_slice(&user_data.to_le_bytes());
    r[60] = flags;
    r
}

fn le32(v: u32) -> [u8; 4] {
    v.to_le_bytes()
}

fn le64(v: u64) -> [u8; 8] {
    v.to_le_bytes()
}

/// option<u64>: tag @0, value @8.
fn opt(v: Option<u64>) -> Vec<u8> {
    let mut b = vec![v.is_some() as u8, 0, 0, 0, 0, 0, 0, 0];
    b.extend_from_slice(&le64(v.unwrap_or(0)));
    b
}

/// Packed socket addresses (the CQE details' form): u8 case, u8 zero, u16 port, the rest.
fn v4(port: u16, a: [u8; 4]) -> Vec<u8> {
    let mut b = vec![0, 0];
    b.extend_from_slice(&port.to_le_bytes());
    b.extend_from_slice(&a);
    b
}

fn v6(port: u16, flow_info: u32, groups: [u16; 8], scope_id: u32) -> Vec<u8> {
    let mut b = vec![1, 0];
    b.extend_from_slice(&port.to_le_bytes());
    b.extend_from_slice(&flow_info.to_le_bytes());
    for g in groups {
        b.extend_from_slice(&g.to_le_bytes());
    }
    b.extend_from_slice(&scope_id.to_le_bytes());
    b
}

fn unix(path: &[u8]) -> Vec<u8> {
    let mut b = vec![2, 0, 0, 0];
    b.extend_from_slice(path);
    b
}

/// A packed sendmsg on `fd`: `data`, then the destination `to` (empty: none), its length in x.
fn sendmsg(flags: u8, user_data: u32, fd: u32, data: &[u8], to: &[u8]) -> Vec<u8> {
    let payload = [data, to].concat();
    sqe(9, flags, user_data, fd, data.len() as u32, 0, to.len() as u32, 0, &payload)
}

/// sendmsg-args' `to` in a record: option tag @12, the socket-address @16 (its case @0;
/// ipv4: port @4, address @6; ipv6: port @4, flow-info @8, groups @12, scope-id @28; unix:
/// the path's ptr @4 and len @8).
fn record_to(to: Option<&[u8]>) -> Vec<u8> {
    let Some(a) = to else { return vec![0; 36] };
    let mut b = vec![0u8; 36];
    b[0] = 1;
    b[4] = a[0];
    b[8..10].copy_from_slice(&a[2..4]);
    match a[0] {
        0 => b[10..14].copy_from_slice(&a[4..8]),
        _ => {
            b[12..16].copy_from_slice(&a[4..8]);
            b[16..32].copy_from_slice(&a[8..24]);
            b[32..36].copy_from_slice(&a[24..28]);
        }
    }
    b
}

/// A unix socket-address in a record: case 2, the path's (ptr, len) @4.
fn record_to_unix(path_ptr: u32, path_len: u32) -> Vec<u8> {
    let mut b = vec![0u8; 36];
    b[0] = 1;
    b[4] = 2;
    b[8..12].copy_from_slice(&le32(path_ptr));
    b[12..16].copy_from_slice(&le32(path_len));
    b
}

/// Every op with a packed form: its packed entry and its record, the record's write and send
/// data pointing at the packed entry's payload.
fn every_packed_op() -> Vec<(&'static str, Vec<u8>, [u8; 64])> {
    let data = LIST + 32; // a lone entry's payload, right after its header
    let (ud, fl) = (0xdead_beef, 1); // user-data and the link flag on each
    vec![
        ("nop", sqe(0, fl, ud, 0, 0, 0, 0, 0, b""), record(0, ud, fl, &[])),
        ("read", sqe(1, fl, ud, 3, 4096, 512, 0, 0, b""), record(1, ud, fl, &[(0, &le32(3)), (4, &le32(4096)), (8, &opt(Some(512)))])),
        ("read, no offset", sqe(1, fl, ud, 3, 10, NO_OFFSET, 0, 0, b""), record(1, ud, fl, &[(0, &le32(3)), (4, &le32(10)), (8, &opt(None))])),
        (
            "write",
            sqe(2, fl, ud, 4, 5, 7, 0, 0, b"hello"),
            record(2, ud, fl, &[(0, &le32(4)), (4, &le32(data)), (8, &le32(5)), (16, &opt(Some(7)))]),
        ),
        (
            "write, no offset",
            sqe(2, fl, ud, 4, 5, NO_OFFSET, 0, 0, b"hello"),
            record(2, ud, fl, &[(0, &le32(4)), (4, &le32(data)), (8, &le32(5)), (16, &opt(None))]),
        ),
        (
            "read-fixed",
            sqe(3, fl, ud, 5, 100, 8, 2, 16, b""),
            record(3, ud, fl, &[(0, &le32(5)), (4, &le32(2)), (8, &le32(16)), (12, &le32(100)), (16, &opt(Some(8)))]),
        ),
        (
            "write-fixed",
            sqe(4, fl, ud, 5, 100, NO_OFFSET, 1, 0, b""),
            record(4, ud, fl, &[(0, &le32(5)), (4, &le32(1)), (8, &le32(0)), (12, &le32(100)), (16, &opt(None))]),
        ),
        ("send", sqe(5, fl, ud, 6, 3, 0, 0, 0, b"abc"), record(5, ud, fl, &[(0, &le32(6)), (4, &le32(data)), (8, &le32(3))])),
        (
            "sendmsg to ipv4",
            sendmsg(fl, ud, 6, b"ping", &v4(8080, [127, 0, 0, 1])),
            record(9, ud, fl, &[(0, &le32(6)), (4, &le32(data)), (8, &le32(4)), (12, &record_to(Some(&v4(8080, [127, 0, 0, 1]))))]),
        ),
        (
            "sendmsg to ipv6",
            sendmsg(fl, ud, 6, b"ping", &v6(443, 5, [0xfe80, 0, 0, 0, 0, 0, 0, 1], 2)),
            record(
                9,
                ud,
                fl,
                &[(0, &le32(6)), (4, &le32(data)), (8, &le32(4)), (12, &record_to(Some(&v6(443, 5, [0xfe80, 0, 0, 0, 0, 0, 0, 1], 2))))],
            ),
        ),
        (
            "sendmsg to a unix path",
            sendmsg(fl, ud, 6, b"ping", &unix(b"/run/s")),
            record(9, ud, fl, &[(0, &le32(6)), (4, &le32(data)), (8, &le32(4)), (12, &record_to_unix(data + 4 + 4, 6))]),
        ),
        (
            "sendmsg to an unnamed unix address",
            sendmsg(fl, ud, 6, b"", &unix(b"")),
            record(9, ud, fl, &[(0, &le32(6)), (4, &le32(data)), (8, &le32(0)), (12, &record_to_unix(data + 4, 0))]),
        ),
        (
            "sendmsg to the connected peer",
            sendmsg(fl, ud, 6, b"ping", b""),
            record(9, ud, fl, &[(0, &le32(6)), (4, &le32(data)), (8, &le32(4)), (12, &record_to(None))]),
        ),
        ("recv", sqe(6, fl, ud, 6, 64, 0, 0, 0, b""), record(6, ud, fl, &[(0, &le32(6)), (4, &le32(64))])),
        ("recv-multishot", sqe(7, fl, ud, 6, 64, 0, 0, 0, b""), record(7, ud, fl, &[(0, &le32(6)), (4, &le32(64))])),
        ("recvmsg", sqe(8, fl, ud, 6, 64, 0, 0, 0, b""), record(8, ud, fl, &[(0, &le32(6)), (4, &le32(64))])),
        ("accept", sqe(10, fl, ud, 7, 0, 0, 0, 0, b""), record(10, ud, fl, &[(0, &le32(7))])),
        ("accept-multishot", sqe(11, fl, ud, 7, 0, 0, 0, 0, b""), record(11, ud, fl, &[(0, &le32(7))])),
        ("listen", sqe(15, fl, ud, 7, 0, 0, 128, 0, b""), record(15, ud, fl, &[(0, &le32(7)), (4, &le32(128))])),
        ("shutdown", sqe(17, fl, ud, 7, 0, 0, 2, 0, b""), record(17, ud, fl, &[(0, &le32(7)), (4, &[2])])),
        ("close", sqe(19, fl, ud, 7, 0, 0, 0, 0, b""), record(19, ud, fl, &[(0, &le32(7))])),
        ("fsync", sqe(20, fl, ud, 7, 0, 0, 1, 0, b""), record(20, ud, fl, &[(0, &le32(7)), (4, &[1])])),
        ("timeout", sqe(22, fl, ud, 0, 0, 1_000_000, 3, 0, b""), record(22, ud, fl, &[(0, &le64(1_000_000)), (8, &le32(3))])),
        ("link-timeout", sqe(23, fl, ud, 0, 0, 5_000, 0, 0, b""), record(23, ud, fl, &[(0, &le64(5_000))])),
        ("cancel", sqe(24, fl, ud, 0, 0, 0, 42, 1, b""), record(24, ud, fl, &[(0, &le32(42)), (4, &[1])])),
        ("poll", sqe(25, fl, ud, 8, 0, 0, 0b10_0001, 1, b""), record(25, ud, fl, &[(0, &le32(8)), (4, &[0b10_0001, 1])])),
        ("local-address", sqe(29, fl, ud, 8, 0, 0, 0, 0, b""), record(29, ud, fl, &[(0, &le32(8))])),
        ("ftruncate", sqe(30, fl, ud, 8, 0, 4096, 0, 0, b""), record(30, ud, fl, &[(0, &le32(8)), (8, &le64(4096))])),
        ("gpio-get", sqe(35, fl, ud, 9, 0, 0, 0, 0, b""), record(35, ud, fl, &[(0, &le32(9))])),
        ("gpio-set", sqe(36, fl, ud, 9, 0, 0, 1, 0, b""), record(36, ud, fl, &[(0, &le32(9)), (4, &[1])])),
        ("gpio-edges", sqe(37, fl, ud, 9, 0, 0, 0, 0, b""), record(37, ud, fl, &[(0, &le32(9))])),
    ]
}

#[test]
fn every_packed_op_decodes_as_its_record_does() {
    for (name, packed, rec) in every_packed_op() {
        let mut mem = memory(&packed);
        mem[RECORD as usize..RECORD as usize + 64].copy_from_slice(&rec);
        let (ret, got) = decode_in(&mem, packed.len() as u32, 0);
        assert_eq!(ret, 0, "{name}");
        let mut want = Sqe::default();
        assert_eq!(unsafe { probe::probe_record_decode(mem.as_ptr(), MEM as u32, RECORD, &mut want) }, 0, "{name}: record");
        assert_eq!(got, want, "{name}");
        // Byte for byte, fields the probe does not show included.
        let same = unsafe { probe::probe_same_as_record(mem.as_ptr(), MEM as u32, LIST, packed.len() as u32, 0, RECORD) };
        assert_eq!(same, 1, "{name}: struct ior_abi_sqe differs from the record's");
    }
}

#[test]
fn decoded_fields_are_the_headers() {
    // A few by value, so that the two decoders cannot agree on something else.
    let (_, w) = decode(&sqe(2, 0, 10, 4, 5, NO_OFFSET, 0, 0, b"hello"), 0);
    assert_eq!((w.op, w.user_data, w.fd, w.data_ptr, w.data_len, w.has_offset), (2, 10, 4, LIST + 32, 5, 0));
    let (_, r) = decode(&sqe(1, 0, 11, 3, 4096, 512, 0, 0, b""), 0);
    assert_eq!((r.fd, r.len, r.has_offset, r.offset), (3, 4096, 1, 512));
    let (_, f) = decode(&sqe(3, 0, 12, 5, 100, 8, 2, 16, b""), 0);
    assert_eq!((f.fd, f.len, f.buffer, f.buffer_offset, f.offset), (5, 100, 2, 16, 8));
    let (_, t) = decode(&sqe(22, 0, 13, 0, 0, 1_000_000, 3, 0, b""), 0);
    assert_eq!((t.ns, t.count), (1_000_000, 3));
    let (_, c) = decode(&sqe(24, 0, 14, 0, 0, 0, 42, 1, b""), 0);
    assert_eq!((c.count, c.flag), (42, 1));
    let (_, p) = decode(&sqe(25, 0, 15, 8, 0, 0, 0b10_0001, 1, b""), 0);
    assert_eq!((p.fd, p.events, p.flag), (8, 0b10_0001, 1));
    let (_, l) = decode(&sqe(15, 0, 16, 7, 0, 0, 128, 0, b""), 0);
    assert_eq!((l.fd, l.len), (7, 128));
    let (_, s) = decode(&sqe(17, 0, 17, 7, 0, 0, 1, 0, b""), 0);
    assert_eq!(s.how, 1);
    let (_, g) = decode(&sqe(36, 0, 18, 9, 0, 0, 1, 0, b""), 0);
    assert_eq!((g.fd, g.flag), (9, 1));
    // ftruncate's length is the offset field, all ones included.
    let (_, t) = decode(&sqe(30, 0, 19, 8, 0, NO_OFFSET, 0, 0, b""), 0);
    assert_eq!((t.offset, t.has_offset), (NO_OFFSET, 0));
}

#[test]
fn entries_follow_one_another_at_eight_byte_boundaries() {
    let mut list = sqe(2, 1, 10, 4, 3, NO_OFFSET, 0, 0, b"abc"); // link
    list.extend(sqe(23, 0, 11, 0, 0, 9, 0, 0, b""));
    list.extend(sqe(0, 4, 12, 0, 0, 0, 0, 0, b"")); // drain
    list.extend(sqe(5, 2, 13, 6, 8, 0, 0, 0, b"12345678")); // hard-link, no padding needed
    assert_eq!(list.len(), 40 + 32 + 32 + 40);
    let mut at = 0;
    let mut walked = vec![];
    while let Some((next, op, flags)) = peek(&list, at) {
        let (ret, s) = decode(&list, at);
        assert_eq!(ret, 0);
        assert_eq!((s.op as u8, s.flags as u8), (op, flags));
        walked.push((at, s.user_data, op, flags));
        at = next;
    }
    assert_eq!(walked, vec![(0, 10, 2, 1), (40, 11, 23, 0), (72, 12, 0, 4), (104, 13, 5, 2)]);
    assert_eq!(at, list.len() as u32);
    // The second write's data: after its own header.
    assert_eq!(decode(&list, 104).1.data_ptr, LIST + 104 + 32);
}

#[test]
fn a_last_entry_need_not_be_padded() {
    // A write of 3 bytes ends the list at 35 bytes: whole, and the last.
    let list = &sqe(2, 0, 7, 4, 3, NO_OFFSET, 0, 0, b"abc")[..35];
    assert_eq!(peek(list, 0), Some((35, 2, 0)));
    let (ret, s) = decode(list, 0);
    assert_eq!((ret, s.data_len), (0, 3));
}

#[test]
fn an_op_without_a_packed_form_is_invalid_and_the_list_goes_on() {
    let mut list = Vec::new();
    let cases = [12u8, 13, 14, 16, 18, 21, 26, 27, 28, 31, 32, 33, 34, 38, 200, 255];
    for (i, case) in cases.iter().enumerate() {
        // A len that would be a payload for write: these have none, the entry is 32 bytes.
        list.extend(sqe(*case, 4, 100 + i as u32, 1, 64, 0, 0, 0, b""));
    }
    list.extend(sqe(0, 0, 999, 0, 0, 0, 0, 0, b""));
    for (i, case) in cases.iter().enumerate() {
        let at = 32 * i as u32;
        assert_eq!(peek(&list, at), Some((at + 32, *case, 4)), "case {case}");
        let (ret, s) = decode(&list, at);
        assert_eq!((ret, s.op, s.user_data, s.flags), (INVALID, *case as u32, 100 + i as u32, 4), "case {case}");
    }
    assert_eq!(decode(&list, 32 * cases.len() as u32).0, 0);
}

#[test]
fn a_value_out_of_range_is_invalid() {
    let bad = [
        ("shutdown-how 3", sqe(17, 0, 1, 7, 0, 0, 3, 0, b"")),
        ("fsync datasync 2", sqe(20, 0, 2, 7, 0, 0, 2, 0, b"")),
        ("gpio-set 2", sqe(36, 0, 3, 9, 0, 0, 2, 0, b"")),
        ("cancel all 2", sqe(24, 0, 4, 0, 0, 0, 42, 2, b"")),
        ("poll multishot 2", sqe(25, 0, 5, 8, 0, 0, 1, 2, b"")),
        ("a seventh poll event", sqe(25, 0, 6, 8, 0, 0, 1 << 6, 0, b"")),
        ("poll events past 32 bits' first byte", sqe(25, 0, 7, 8, 0, 0, 1 << 31, 0, b"")),
    ];
    for (name, entry) in bad {
        let (ret, s) = decode(&entry, 0);
        assert_eq!(ret, INVALID, "{name}");
        assert_eq!(s.user_data, entry[4] as u32, "{name}: the user-data is decoded");
    }
}

#[test]
fn unknown_flag_bits_and_the_zero_field_are_ignored() {
    // As the Linux host: a flag bit the contract does not define is not set.
    let mut entry = sqe(0, 0xff, 5, 0, 0, 0, 0, 0, b"");
    entry[2] = 0xaa;
    entry[3] = 0x55;
    assert_eq!(peek(&entry, 0), Some((32, 0, 7)));
    let (ret, s) = decode(&entry, 0);
    assert_eq!((ret, s.flags), (0, 7));
}

#[test]
fn an_entry_cut_short_is_invalid_and_ends_the_list() {
    // A write whose payload runs past the end, then a nop that is not reached.
    let mut list = sqe(2, 1, 7, 4, 100, NO_OFFSET, 0, 0, b"");
    list.extend(sqe(0, 0, 8, 0, 0, 0, 0, 0, b""));
    assert_eq!(peek(&list, 0), Some((list.len() as u32, 2, 1)));
    let (ret, s) = decode(&list, 0);
    assert_eq!((ret, s.user_data, s.flags, s.data_len), (INVALID, 7, 1, 0));
    // A send with one byte missing.
    let send = sqe(5, 0, 9, 6, 8, 0, 0, 0, b"1234567");
    assert_eq!(send.len(), 40);
    assert_eq!(decode(&send[..39], 0).0, INVALID);
    // A length that wraps 32 bits.
    let wrap = sqe(5, 0, 10, 6, u32::MAX, 0, 0, 0, b"");
    assert_eq!(peek(&wrap, 0), Some((32, 5, 0)));
    assert_eq!(decode(&wrap, 0).0, INVALID);
    // A header cut after its user-data: an entry with no op and no flags.
    let nop = sqe(24, 7, 11, 0, 0, 0, 1, 0, b"");
    for cut in 8..32 {
        assert_eq!(peek(&nop[..cut], 0), Some((cut as u32, 38, 0)), "cut at {cut}");
        let (ret, s) = decode(&nop[..cut], 0);
        assert_eq!((ret, s.op, s.flags, s.user_data, s.count), (INVALID, 38, 0, 11, 0), "cut at {cut}");
    }
    // Cut before its user-data is whole: no entry at all.
    for cut in 0..8 {
        assert_eq!(peek(&nop[..cut], 0), None, "cut at {cut}");
        assert_eq!(decode(&nop[..cut], 0).0, -1, "cut at {cut}");
    }
    // After a whole entry, the same.
    let mut two = sqe(0, 0, 1, 0, 0, 0, 0, 0, b"");
    two.extend_from_slice(&nop[..12]);
    assert_eq!(peek(&two, 32), Some((44, 38, 0)));
    assert_eq!(decode(&two, 32).1.user_data, 11);
}

#[test]
fn sendmsg_carries_its_data_then_its_destination() {
    let groups = [0xfe80, 0, 0, 0, 0, 0, 0, 1];
    let mut list = sendmsg(0, 1, 6, b"ping", &v4(8080, [127, 0, 0, 1])); // 32 + 4 + 8 = 44: 48
    list.extend(sendmsg(1, 2, 6, b"hello", &v6(443, 5, groups, 2))); // 32 + 5 + 28 = 65: 72
    list.extend(sendmsg(0, 3, 7, b"abc", &unix(b"/run/s"))); // 32 + 3 + 10 = 45: 48
    list.extend(sendmsg(0, 4, 8, b"12345678", b"")); // 40, no padding
    list.extend(sqe(0, 0, 5, 0, 0, 0, 0, 0, b""));
    let mem = memory(&list);
    let mut at = 0;
    let mut got = vec![];
    while let Some((next, op, flags)) = peek(&list, at) {
        let (ret, s) = decode_in(&mem, list.len() as u32, at);
        assert_eq!(ret, 0, "entry {}", s.user_data);
        assert_eq!((s.op as u8, s.flags as u8), (op, flags));
        got.push((at, s));
        at = next;
    }
    assert_eq!(got.iter().map(|(at, s)| (*at, s.user_data)).collect::<Vec<_>>(), vec![(0, 1), (48, 2), (120, 3), (168, 4), (208, 5)]);
    let bytes = |s: &Sqe| mem[s.data_ptr as usize..(s.data_ptr + s.data_len) as usize].to_vec();
    // The data: the exact bytes after each header.
    let (a, s) = got[0];
    assert_eq!((s.fd, s.data_ptr, bytes(&s)), (6, LIST + a + 32, b"ping".to_vec()));
    assert_eq!((s.has_addr, s.family, s.port, s.v4), (1, 0, 8080, [127, 0, 0, 1]));
    let (a, s) = got[1];
    assert_eq!((s.fd, s.flags, s.data_ptr, bytes(&s)), (6, 1, LIST + a + 32, b"hello".to_vec()));
    assert_eq!((s.has_addr, s.family, s.port, s.flow_info, s.v6, s.scope_id), (1, 1, 443, 5, groups, 2));
    // A unix path stays in the list, after the data and the address's 4 bytes.
    let (a, s) = got[2];
    assert_eq!((s.fd, bytes(&s), s.has_addr, s.family, s.port), (7, b"abc".to_vec(), 1, 2, 0));
    assert_eq!((s.path_ptr, s.path_len), (LIST + a + 32 + 3 + 4, 6));
    assert_eq!(&mem[s.path_ptr as usize..(s.path_ptr + s.path_len) as usize], b"/run/s");
    // x 0: no destination, the connected peer's; nothing of an address is set.
    let (_, s) = got[3];
    assert_eq!((s.fd, bytes(&s), s.has_addr, s.family, s.port, s.path_len), (8, b"12345678".to_vec(), 0, 0, 0, 0));
    assert_eq!(got[4].1.op, 0);
}

#[test]
fn a_sendmsg_port_is_little_endian_and_the_zero_byte_is_ignored() {
    let mut to = v4(0x1234, [10, 0, 0, 2]);
    assert_eq!(&to[2..4], &[0x34, 0x12]);
    to[1] = 0xff;
    let (ret, s) = decode(&sendmsg(0, 1, 6, b"x", &to), 0);
    assert_eq!((ret, s.port, s.v4), (0, 0x1234, [10, 0, 0, 2]));
    // A unix address's port is not looked at (the record form has none).
    let mut to = unix(b"/s");
    to[2] = 9;
    let (ret, s) = decode(&sendmsg(0, 2, 6, b"x", &to), 0);
    assert_eq!((ret, s.family, s.port, s.path_len), (0, 2, 0, 2));
}

#[test]
fn a_sendmsg_destination_not_whole_is_invalid_and_the_list_goes_on() {
    let good_v4 = v4(8080, [127, 0, 0, 1]);
    let good_v6 = v6(443, 0, [0, 0, 0, 0, 0, 0, 0, 1], 0);
    let bad: Vec<(&str, Vec<u8>)> = vec![
        ("x 1", good_v4[..1].to_vec()),
        ("x 2", good_v4[..2].to_vec()),
        ("x 3", vec![2, 0, 0]), // not even a unix address's head
        ("ipv4 cut to 5 bytes", good_v4[..5].to_vec()),
        ("ipv4 with a 9th byte", [&good_v4[..], &[0]].concat()),
        ("ipv4 of ipv6's length", [&good_v4[..], &[0; 20]].concat()),
        ("unknown case 7", vec![7, 0, 0x90, 0x1f, 127, 0, 0, 1]),
        ("unknown case 3, unix-sized", vec![3, 0, 0, 0]),
        ("unknown case 255 of ipv6's length", [&[255u8][..], &good_v6[1..]].concat()),
        ("ipv6 of ipv4's length", [&[1u8][..], &good_v4[1..]].concat()),
        ("ipv6 a byte short", good_v6[..27].to_vec()),
        ("ipv6 a byte long", [&good_v6[..], &[0]].concat()),
    ];
    // Each bad entry is followed by a good sendmsg and a nop, all in one list.
    let mut list = Vec::new();
    let mut want = Vec::new();
    for (i, (name, to)) in bad.iter().enumerate() {
        let ud = 100 + 3 * i as u32;
        want.push((list.len() as u32, ud, INVALID, *name));
        list.extend(sendmsg(4, ud, 6, b"data", to));
        want.push((list.len() as u32, ud + 1, 0, "the next sendmsg"));
        list.extend(sendmsg(0, ud + 1, 6, b"next", &good_v4));
        want.push((list.len() as u32, ud + 2, 0, "the nop after"));
        list.extend(sqe(0, 0, ud + 2, 0, 0, 0, 0, 0, b""));
    }
    let mem = memory(&list);
    let mut at = 0;
    for (want_at, ud, code, name) in want {
        assert_eq!(at, want_at, "{name}: where it starts");
        let (ret, s) = decode_in(&mem, list.len() as u32, at);
        assert_eq!((ret, s.user_data), (code, ud), "{name}");
        if code == INVALID {
            // Its size is known: data and address, padded, then the next entry.
            let x = bad[(ud as usize - 100) / 3].1.len();
            assert_eq!(peek(&list, at).unwrap().0, at + pad8(32 + 4 + x) as u32, "{name}");
            assert_eq!((s.op, s.flags), (9, 4), "{name}");
        } else if s.op == 9 {
            assert_eq!((s.has_addr, s.port, &mem[s.data_ptr as usize..s.data_ptr as usize + 4]), (1, 8080, &b"next"[..]), "{name}");
        }
        at = peek(&list, at).unwrap().0;
    }
    assert_eq!(at, list.len() as u32);
}

#[test]
fn a_sendmsg_cut_short_is_invalid_and_ends_the_list() {
    let to = v4(8080, [127, 0, 0, 1]);
    let whole = sendmsg(0, 7, 6, b"ping", &to);
    let mut list = whole.clone();
    list.extend(sqe(0, 0, 8, 0, 0, 0, 0, 0, b""));
    assert_eq!(decode(&list, 0).0, 0);
    // Cut in the address, at its first byte, and in the data: invalid, and the last entry.
    for cut in [43, 40, 36, 34] {
        let part = &whole[..cut];
        assert_eq!(peek(part, 0), Some((cut as u32, 9, 0)), "cut at {cut}");
        let (ret, s) = decode(part, 0);
        assert_eq!((ret, s.user_data, s.data_len, s.has_addr), (INVALID, 7, 0, 0), "cut at {cut}");
    }
    // Data and address that together run past the end, though the data alone would not: the
    // nop after is not reached.
    let mut over = sendmsg(0, 9, 6, b"ping", b"");
    over[24..28].copy_from_slice(&le32(48));
    over.extend(sqe(0, 0, 10, 0, 0, 0, 0, 0, b""));
    assert_eq!(over.len(), 72);
    assert_eq!(peek(&over, 0), Some((72, 9, 0)));
    assert_eq!(decode(&over, 0), (INVALID, decode(&over, 0).1));
    assert_eq!(decode(&over, 0).1.user_data, 9);
    // len + x past 32 bits, either way round: no wrap to a short entry.
    for (len, x) in [(u32::MAX - 3, 8), (4, u32::MAX), (u32::MAX, u32::MAX), (0x8000_0000, 0x8000_0000)] {
        let mut e = sqe(9, 0, 11, 6, len, 0, x, 0, b"");
        e.extend(sqe(0, 0, 12, 0, 0, 0, 0, 0, b""));
        assert_eq!(peek(&e, 0), Some((64, 9, 0)), "len {len} x {x}");
        assert_eq!(decode(&e, 0).0, INVALID, "len {len} x {x}");
    }
    // A header cut short: as for any op.
    let (ret, s) = decode(&whole[..20], 0);
    assert_eq!((ret, s.op, s.user_data), (INVALID, 38, 7));
}

#[test]
fn a_list_outside_memory_decodes_nothing() {
    let entry = sqe(0, 0, 1, 0, 0, 0, 0, 0, b"");
    let mem = memory(&entry);
    let (mut out, mut next) = (Sqe::default(), 0);
    let at_end = unsafe { probe::probe_packed_decode(mem.as_ptr(), MEM as u32, MEM as u32 - 16, 32, 0, &mut out, &mut next) };
    assert_eq!(at_end, -1);
    let wraps = unsafe { probe::probe_packed_decode(mem.as_ptr(), MEM as u32, u32::MAX - 8, 32, 0, &mut out, &mut next) };
    assert_eq!(wraps, -1);
    assert_eq!(decode_in(&mem, 32, 32).0, -1, "past the list's end");
}

#[test]
fn any_bytes_walk_to_the_end_inside_the_list() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..20_000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let len = (seed % 300) as usize;
        let mut list: Vec<u8> = (0..len).map(|i| (seed.rotate_left(i as u32 % 64) >> 3) as u8).collect();
        for at in (0..len).step_by(8) {
            if seed >> (at % 61) & 1 == 0 {
                list[at] = (seed >> (at % 53)) as u8 % 40;
                for b in at + 13..(at + 16).min(len) {
                    list[b] = 0; // lengths that fit, sometimes
                }
            }
        }
        let mem = memory(&list);
        let (mut at, mut entries) = (0u32, 0);
        while let Some((next, op, flags)) = peek(&list, at) {
            assert!(next > at && next as usize <= len && (next as usize == len || next % 8 == 0));
            let (ret, s) = decode_in(&mem, len as u32, at);
            assert!(ret == 0 || ret == INVALID, "{ret}");
            assert_eq!((s.op as u8, s.flags as u8), (op, flags));
            if ret == 0 && s.data_len > 0 {
                assert!(s.data_ptr >= LIST + at + 32 && (s.data_ptr + s.data_len) as usize <= LIST as usize + len);
            }
            at = next;
            entries += 1;
        }
        assert!(entries <= len / 8 + 1);
    }
}

fn result(cqes: &[Cqe], queued: u32) -> Vec<u8> {
    let mut out = vec![0u8; 8192];
    let mut allocs = 0;
    let n = unsafe { probe::probe_packed_result(cqes.as_ptr(), cqes.len() as u32, queued, 16, 0, out.as_mut_ptr(), 8192, &mut allocs) };
    assert!(n >= 0, "{n}");
    assert_eq!(allocs, 1, "one allocation for the whole result");
    out.truncate(n as usize);
    out
}

#[test]
fn completions_encode_byte_for_byte() {
    let (data_abc, data_x, path) = (b"abc", b"x", b"/s");
    let cqes = [
        Cqe { user_data: 1, value: 3, data: data_abc.as_ptr(), data_len: 3, ..Default::default() },
        Cqe { user_data: 2, is_err: 1, value: 18, more: 1, detail: 1, handle: 9, ..Default::default() },
        Cqe { user_data: 3, more: 1, detail: 2, handle: 4, family: 0, port: 8080, v4: [127, 0, 0, 1], ..Default::default() },
        Cqe {
            user_data: 4,
            value: 1,
            data: data_x.as_ptr(),
            data_len: 1,
            detail: 3,
            family: 1,
            port: 443,
            flow_info: 5,
            v6: [0xfe80, 0, 0, 0, 0, 0, 0, 1],
            scope_id: 2,
            ..Default::default()
        },
        Cqe { user_data: 5, detail: 5, family: 2, path: path.as_ptr(), path_len: 2, ..Default::default() },
        Cqe { user_data: 6, detail: 4, stat_type: 1, size: 4096, mode: 0o755, links: 2, modified_ns: 7, ..Default::default() },
        Cqe { user_data: 7, value: 1, more: 1, detail: 6, rising: 1, timestamp_ns: 99, seqno: 3, ..Default::default() },
        Cqe { user_data: 8, is_err: 1, value: 44, ..Default::default() },
    ];
    let mut want: Vec<u8> = Vec::new();
    want.extend(le32(5));
    want.extend(le32(8));
    // 1: data "abc", no detail, padded to 24.
    want.extend([1, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, b'a', b'b', b'c', 0, 0, 0, 0, 0]);
    // 2: an error (`invalid`), more, a handle.
    want.extend([2, 0, 0, 0, 18, 0, 0, 0, 3, 1, 4, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0]);
    // 3: accepted handle 4 from 127.0.0.1:8080.
    want.extend([3, 0, 0, 0, 0, 0, 0, 0, 1, 2, 12, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0x90, 0x1f, 127, 0, 0, 1]);
    want.extend([0; 4]);
    // 4: one byte of data, then the peer [fe80::1%2]:443 with flow-info 5.
    want.extend([4, 0, 0, 0, 1, 0, 0, 0, 0, 3, 28, 0, 1, 0, 0, 0, b'x', 1, 0, 0xbb, 0x01, 5, 0, 0, 0]);
    want.extend([0x80, 0xfe, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0]);
    want.extend([0; 3]);
    // 5: a unix address (local-address).
    want.extend([5, 0, 0, 0, 0, 0, 0, 0, 0, 5, 6, 0, 0, 0, 0, 0, 2, 0, 0, 0, b'/', b's', 0, 0]);
    // 6: a directory's metadata.
    want.extend([6, 0, 0, 0, 0, 0, 0, 0, 0, 4, 32, 0, 0, 0, 0, 0]);
    want.extend([1, 0, 0, 0, 0xed, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]);
    want.extend([0, 0x10, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0]);
    // 7: a rising edge.
    want.extend([7, 0, 0, 0, 1, 0, 0, 0, 1, 6, 16, 0, 0, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 99, 0, 0, 0, 0, 0, 0, 0]);
    // 8: `unknown`, the last error-code, alone.
    want.extend([8, 0, 0, 0, 44, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(result(&cqes, 5), want);
    // Each CQE's share, as the writer sized it.
    let sizes: Vec<u32> = cqes.iter().map(|c| unsafe { probe::probe_cqe_size(c) }).collect();
    assert_eq!(sizes, vec![24, 24, 32, 48, 24, 48, 32, 16]);
}

#[test]
fn accepted_from_ipv6_and_unix_peers() {
    let path = b"/tmp/sock";
    let v6 = Cqe { user_data: 1, detail: 2, handle: 5, family: 1, port: 1, v6: [1, 2, 3, 4, 5, 6, 7, 8], ..Default::default() };
    let unix = Cqe { user_data: 2, detail: 3, family: 2, path: path.as_ptr(), path_len: 9, ..Default::default() };
    let unnamed = Cqe { user_data: 3, detail: 3, family: 2, ..Default::default() };
    let got = result(&[v6, unix, unnamed], 0);
    let mut want: Vec<u8> = vec![0, 0, 0, 0, 3, 0, 0, 0];
    want.extend([1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 32, 0, 0, 0, 0, 0, 5, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0]);
    want.extend([1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8, 0, 0, 0, 0, 0]);
    want.extend([2, 0, 0, 0, 0, 0, 0, 0, 0, 3, 13, 0, 0, 0, 0, 0, 2, 0, 0, 0]);
    want.extend(b"/tmp/sock");
    want.extend([0; 3]);
    want.extend([3, 0, 0, 0, 0, 0, 0, 0, 0, 3, 4, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(got, want);
}

#[test]
fn a_result_without_completions_is_its_header() {
    assert_eq!(result(&[], 3), vec![3, 0, 0, 0, 0, 0, 0, 0]);
}

/// enter's result for one CQE with the return area at `retptr`: the writer's return and the
/// allocations it made.
fn write_one(retptr: u32, fail: i32) -> (i64, u32) {
    let cqe = [Cqe { user_data: 1, ..Default::default() }];
    let mut out = vec![0u8; 64];
    let mut allocs = 0;
    let ret = unsafe { probe::probe_packed_result(cqe.as_ptr(), 1, 1, retptr, fail, out.as_mut_ptr(), 64, &mut allocs) };
    (ret as i64, allocs)
}

#[test]
fn a_result_that_cannot_be_written_says_why() {
    // A return area outside the memory, or not 4-aligned: nothing is allocated.
    assert_eq!(write_one(65536 - 4, 0), (-1, 0));
    assert_eq!(write_one(18, 0), (-1, 0));
    // The guest's allocator failing.
    assert_eq!(write_one(16, 1).0, -2);
    assert_eq!(write_one(16, 0), (24, 1));
}
