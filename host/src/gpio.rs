//! GPIO through the kernel's character device, version 2 of its uAPI (<linux/gpio.h>): a line
//! is requested from a chip (`/dev/gpiochipN`) with GPIO_V2_GET_LINE_IOCTL, which gives a
//! descriptor of its own; its value is read and set with ioctls on that descriptor, and its
//! edge events are read from it, one `struct gpio_v2_line_event` per read, through the ring.
//!
//! The structs, ioctl numbers and flags are written out here (no bindgen);
//! `gpio_uapi_layout_matches_kernel_header` compiles a C program against the system's
//! <linux/gpio.h> and checks every size, offset, number and flag, and that a request and an
//! event encode to the very bytes the kernel's structs hold.

use crate::bindings::ErrorCode;
use crate::ioring::ring::types::{GpioBias, GpioDirection, GpioEdge, GpioEdgeFlags, GpioRequestArgs};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

/// GPIO_V2_LINES_MAX, GPIO_MAX_NAME_SIZE, GPIO_V2_LINE_NUM_ATTRS_MAX.
pub const LINES_MAX: usize = 64;
pub const MAX_NAME_SIZE: usize = 32;
pub const NUM_ATTRS_MAX: usize = 10;

/// enum gpio_v2_line_flag.
pub const FLAG_ACTIVE_LOW: u64 = 1 << 1;
pub const FLAG_INPUT: u64 = 1 << 2;
pub const FLAG_OUTPUT: u64 = 1 << 3;
pub const FLAG_EDGE_RISING: u64 = 1 << 4;
pub const FLAG_EDGE_FALLING: u64 = 1 << 5;
pub const FLAG_BIAS_PULL_UP: u64 = 1 << 8;
pub const FLAG_BIAS_PULL_DOWN: u64 = 1 << 9;
pub const FLAG_BIAS_DISABLED: u64 = 1 << 10;

/// enum gpio_v2_line_attr_id: GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES.
pub const ATTR_ID_OUTPUT_VALUES: u32 = 2;

/// enum gpio_v2_line_event_id.
pub const EVENT_RISING_EDGE: u32 = 1;
pub const EVENT_FALLING_EDGE: u32 = 2;

/// The consumer label requested lines carry (what `gpioinfo` shows).
pub const CONSUMER: &[u8] = b"ioring";

/// How many events the kernel keeps for a line between reads (GPIO_V2_LINES_MAX * 16 is its
/// cap for a request): a burst of edges this long is not lost while the guest is busy.
pub const EVENT_BUFFER_SIZE: u32 = 1024;

/// struct gpiochip_info.
#[repr(C)]
pub struct ChipInfo {
    pub name: [u8; MAX_NAME_SIZE],
    pub label: [u8; MAX_NAME_SIZE],
    pub lines: u32,
}

/// struct gpio_v2_line_attribute (its union as the one u64 it is in size).
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct LineAttribute {
    pub id: u32,
    pub padding: u32,
    /// flags, values or debounce_period_us, by `id`.
    pub value: u64,
}

/// struct gpio_v2_line_config_attribute.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct LineConfigAttribute {
    pub attr: LineAttribute,
    pub mask: u64,
}

/// struct gpio_v2_line_config.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct LineConfig {
    pub flags: u64,
    pub num_attrs: u32,
    pub padding: [u32; 5],
    pub attrs: [LineConfigAttribute; NUM_ATTRS_MAX],
}

/// struct gpio_v2_line_request.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct LineRequest {
    pub offsets: [u32; LINES_MAX],
    pub consumer: [u8; MAX_NAME_SIZE],
    pub config: LineConfig,
    pub num_lines: u32,
    pub event_buffer_size: u32,
    pub padding: [u32; 5],
    pub fd: i32,
}

/// struct gpio_v2_line_values.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct LineValues {
    pub bits: u64,
    pub mask: u64,
}

/// struct gpio_v2_line_event.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct LineEvent {
    pub timestamp_ns: u64,
    pub id: u32,
    pub offset: u32,
    pub seqno: u32,
    pub line_seqno: u32,
    pub padding: [u32; 6],
}

/// Bytes of one edge event, as a read of a line's descriptor gives them.
pub const EVENT_SIZE: usize = size_of::<LineEvent>();

/// _IOC(dir, 0xB4, nr, size), the generic encoding (x86, ARM, RISC-V).
const fn ioc(dir: u64, nr: u64, size: usize) -> u64 {
    (dir << 30) | ((size as u64) << 16) | (0xB4 << 8) | nr
}
const IOC_READ: u64 = 2;
const IOC_READ_WRITE: u64 = 3;

pub const GET_CHIPINFO_IOCTL: u64 = ioc(IOC_READ, 0x01, size_of::<ChipInfo>());
pub const V2_GET_LINE_IOCTL: u64 = ioc(IOC_READ_WRITE, 0x07, size_of::<LineRequest>());
pub const V2_LINE_GET_VALUES_IOCTL: u64 = ioc(IOC_READ_WRITE, 0x0E, size_of::<LineValues>());
pub const V2_LINE_SET_VALUES_IOCTL: u64 = ioc(IOC_READ_WRITE, 0x0F, size_of::<LineValues>());

/// The request for one line as the guest asked for it; `invalid` for edges on an output line.
pub fn line_request(args: &GpioRequestArgs) -> Result<LineRequest, ErrorCode> {
    let mut flags = match args.direction {
        GpioDirection::Input => FLAG_INPUT,
        GpioDirection::Output => FLAG_OUTPUT,
    };
    if args.active_low {
        flags |= FLAG_ACTIVE_LOW;
    }
    flags |= match args.bias {
        GpioBias::AsIs => 0,
        GpioBias::Disabled => FLAG_BIAS_DISABLED,
        GpioBias::PullUp => FLAG_BIAS_PULL_UP,
        GpioBias::PullDown => FLAG_BIAS_PULL_DOWN,
    };
    if args.edges != GpioEdgeFlags::empty() && args.direction == GpioDirection::Output {
        return Err(ErrorCode::Invalid);
    }
    if args.edges.contains(GpioEdgeFlags::RISING) {
        flags |= FLAG_EDGE_RISING;
    }
    if args.edges.contains(GpioEdgeFlags::FALLING) {
        flags |= FLAG_EDGE_FALLING;
    }
    let mut config = LineConfig { flags, ..Default::default() };
    if args.direction == GpioDirection::Output {
        // The initial value, as an output-values attribute for the one line (mask bit 0).
        config.num_attrs = 1;
        config.attrs[0] = LineConfigAttribute {
            attr: LineAttribute { id: ATTR_ID_OUTPUT_VALUES, padding: 0, value: u64::from(args.initial) },
            mask: 1,
        };
    }
    let mut request = LineRequest {
        offsets: [0; LINES_MAX],
        consumer: [0; MAX_NAME_SIZE],
        config,
        num_lines: 1,
        event_buffer_size: if args.edges == GpioEdgeFlags::empty() { 0 } else { EVENT_BUFFER_SIZE },
        padding: [0; 5],
        fd: 0,
    };
    request.offsets[0] = args.line;
    request.consumer[..CONSUMER.len()].copy_from_slice(CONSUMER);
    Ok(request)
}

/// The bytes of a uAPI struct, for the layout test.
#[cfg(test)]
fn bytes_of<T: Copy>(value: &T) -> &[u8] {
    // SAFETY: the uAPI structs are plain data with no padding the kernel does not zero.
    unsafe { std::slice::from_raw_parts((value as *const T).cast::<u8>(), size_of::<T>()) }
}

/// An edge event from the bytes a read of a line's descriptor gave: the edge for the guest, or
/// None when they are not one event.
pub fn edge_of(bytes: &[u8]) -> Option<GpioEdge> {
    if bytes.len() != EVENT_SIZE {
        return None;
    }
    let mut event = LineEvent::default();
    // SAFETY: `bytes` holds exactly one LineEvent's bytes; any bit pattern is a LineEvent.
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), (&raw mut event).cast::<u8>(), EVENT_SIZE) };
    let rising = match event.id {
        EVENT_RISING_EDGE => true,
        EVENT_FALLING_EDGE => false,
        _ => return None,
    };
    Some(GpioEdge { rising, timestamp_ns: event.timestamp_ns, seqno: event.line_seqno })
}

fn ioctl<T>(fd: BorrowedFd<'_>, request: u64, arg: &mut T) -> Result<(), i32> {
    // SAFETY: `arg` is the struct the ioctl number says, sized in the number itself.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), request as _, (arg as *mut T).cast::<libc::c_void>()) };
    if r < 0 { Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO)) } else { Ok(()) }
}

/// The chip's information: what a `--device` grant of a GPIO chip is checked with.
pub fn chip_info(chip: BorrowedFd<'_>) -> Result<ChipInfo, i32> {
    let mut info = ChipInfo { name: [0; MAX_NAME_SIZE], label: [0; MAX_NAME_SIZE], lines: 0 };
    ioctl(chip, GET_CHIPINFO_IOCTL, &mut info).map(|()| info)
}

/// Requests the line: its new descriptor, or errno (ENOTTY: the chip is none).
pub fn request_line(chip: BorrowedFd<'_>, args: &GpioRequestArgs) -> Result<OwnedFd, ErrorCode> {
    let mut request = line_request(args)?;
    ioctl(chip, V2_GET_LINE_IOCTL, &mut request).map_err(crate::errno::to_error_code)?;
    if request.fd < 0 {
        return Err(ErrorCode::Io);
    }
    // SAFETY: the kernel made this descriptor for us and nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(request.fd) })
}

/// The line's logical value.
pub fn get_value(line: BorrowedFd<'_>) -> Result<bool, i32> {
    let mut values = LineValues { bits: 0, mask: 1 };
    ioctl(line, V2_LINE_GET_VALUES_IOCTL, &mut values).map(|()| values.bits & 1 != 0)
}

/// Drives the line to a logical value.
pub fn set_value(line: BorrowedFd<'_>, on: bool) -> Result<(), i32> {
    let mut values = LineValues { bits: u64::from(on), mask: 1 };
    ioctl(line, V2_LINE_SET_VALUES_IOCTL, &mut values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// A C program that prints, from the system's <linux/gpio.h>, every size, offset, ioctl
    /// number and flag this module writes out, then the bytes of a request and an event the
    /// kernel's own structs hold, for the Rust side to compare.
    const PROBE: &str = r#"
#include <linux/gpio.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#define P(name, v) printf("%s %llu\n", name, (unsigned long long)(v))
static void hex(const char *name, const void *p, size_t n)
{
	printf("%s ", name);
	for (size_t i = 0; i < n; i++)
		printf("%02x", ((const unsigned char *)p)[i]);
	printf("\n");
}
int main(void)
{
	P("sizeof.gpiochip_info", sizeof(struct gpiochip_info));
	P("offsetof.gpiochip_info.lines", offsetof(struct gpiochip_info, lines));
	P("sizeof.gpio_v2_line_attribute", sizeof(struct gpio_v2_line_attribute));
	P("offsetof.gpio_v2_line_attribute.values", offsetof(struct gpio_v2_line_attribute, values));
	P("sizeof.gpio_v2_line_config_attribute", sizeof(struct gpio_v2_line_config_attribute));
	P("offsetof.gpio_v2_line_config_attribute.mask", offsetof(struct gpio_v2_line_config_attribute, mask));
	P("sizeof.gpio_v2_line_config", sizeof(struct gpio_v2_line_config));
	P("offsetof.gpio_v2_line_config.num_attrs", offsetof(struct gpio_v2_line_config, num_attrs));
	P("offsetof.gpio_v2_line_config.attrs", offsetof(struct gpio_v2_line_config, attrs));
	P("sizeof.gpio_v2_line_request", sizeof(struct gpio_v2_line_request));
	P("offsetof.gpio_v2_line_request.consumer", offsetof(struct gpio_v2_line_request, consumer));
	P("offsetof.gpio_v2_line_request.config", offsetof(struct gpio_v2_line_request, config));
	P("offsetof.gpio_v2_line_request.num_lines", offsetof(struct gpio_v2_line_request, num_lines));
	P("offsetof.gpio_v2_line_request.event_buffer_size", offsetof(struct gpio_v2_line_request, event_buffer_size));
	P("offsetof.gpio_v2_line_request.fd", offsetof(struct gpio_v2_line_request, fd));
	P("sizeof.gpio_v2_line_values", sizeof(struct gpio_v2_line_values));
	P("offsetof.gpio_v2_line_values.mask", offsetof(struct gpio_v2_line_values, mask));
	P("sizeof.gpio_v2_line_event", sizeof(struct gpio_v2_line_event));
	P("offsetof.gpio_v2_line_event.id", offsetof(struct gpio_v2_line_event, id));
	P("offsetof.gpio_v2_line_event.offset", offsetof(struct gpio_v2_line_event, offset));
	P("offsetof.gpio_v2_line_event.seqno", offsetof(struct gpio_v2_line_event, seqno));
	P("offsetof.gpio_v2_line_event.line_seqno", offsetof(struct gpio_v2_line_event, line_seqno));
	P("GPIO_V2_LINES_MAX", GPIO_V2_LINES_MAX);
	P("GPIO_MAX_NAME_SIZE", GPIO_MAX_NAME_SIZE);
	P("GPIO_V2_LINE_NUM_ATTRS_MAX", GPIO_V2_LINE_NUM_ATTRS_MAX);
	P("GPIO_GET_CHIPINFO_IOCTL", GPIO_GET_CHIPINFO_IOCTL);
	P("GPIO_V2_GET_LINE_IOCTL", GPIO_V2_GET_LINE_IOCTL);
	P("GPIO_V2_LINE_GET_VALUES_IOCTL", GPIO_V2_LINE_GET_VALUES_IOCTL);
	P("GPIO_V2_LINE_SET_VALUES_IOCTL", GPIO_V2_LINE_SET_VALUES_IOCTL);
	P("GPIO_V2_LINE_FLAG_ACTIVE_LOW", GPIO_V2_LINE_FLAG_ACTIVE_LOW);
	P("GPIO_V2_LINE_FLAG_INPUT", GPIO_V2_LINE_FLAG_INPUT);
	P("GPIO_V2_LINE_FLAG_OUTPUT", GPIO_V2_LINE_FLAG_OUTPUT);
	P("GPIO_V2_LINE_FLAG_EDGE_RISING", GPIO_V2_LINE_FLAG_EDGE_RISING);
	P("GPIO_V2_LINE_FLAG_EDGE_FALLING", GPIO_V2_LINE_FLAG_EDGE_FALLING);
	P("GPIO_V2_LINE_FLAG_BIAS_PULL_UP", GPIO_V2_LINE_FLAG_BIAS_PULL_UP);
	P("GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN", GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN);
	P("GPIO_V2_LINE_FLAG_BIAS_DISABLED", GPIO_V2_LINE_FLAG_BIAS_DISABLED);
	P("GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES", GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES);
	P("GPIO_V2_LINE_EVENT_RISING_EDGE", GPIO_V2_LINE_EVENT_RISING_EDGE);
	P("GPIO_V2_LINE_EVENT_FALLING_EDGE", GPIO_V2_LINE_EVENT_FALLING_EDGE);

	/* Line 17 as an active-low input with a pull-up and both edges, as the kernel's
	 * struct holds it. */
	struct gpio_v2_line_request in;
	memset(&in, 0, sizeof(in));
	in.offsets[0] = 17;
	strcpy(in.consumer, "ioring");
	in.config.flags = GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_ACTIVE_LOW |
			  GPIO_V2_LINE_FLAG_BIAS_PULL_UP | GPIO_V2_LINE_FLAG_EDGE_RISING |
			  GPIO_V2_LINE_FLAG_EDGE_FALLING;
	in.num_lines = 1;
	in.event_buffer_size = 1024;
	hex("request.input", &in, sizeof(in));

	/* Line 3 as an output starting high, with bias disabled. */
	struct gpio_v2_line_request out;
	memset(&out, 0, sizeof(out));
	out.offsets[0] = 3;
	strcpy(out.consumer, "ioring");
	out.config.flags = GPIO_V2_LINE_FLAG_OUTPUT | GPIO_V2_LINE_FLAG_BIAS_DISABLED;
	out.config.num_attrs = 1;
	out.config.attrs[0].attr.id = GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES;
	out.config.attrs[0].attr.values = 1;
	out.config.attrs[0].mask = 1;
	out.num_lines = 1;
	hex("request.output", &out, sizeof(out));

	/* A falling edge of line 17: the 5th event of the request, the 4th of the line. */
	struct gpio_v2_line_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.timestamp_ns = 0x0123456789abcdefULL;
	ev.id = GPIO_V2_LINE_EVENT_FALLING_EDGE;
	ev.offset = 17;
	ev.seqno = 5;
	ev.line_seqno = 4;
	hex("event.falling", &ev, sizeof(ev));
	return 0;
}
"#;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn gpio_uapi_layout_matches_kernel_header() {
        let header = std::path::Path::new("/usr/include/linux/gpio.h");
        assert!(header.exists(), "{} is missing: install linux-libc-dev", header.display());
        let dir = std::env::temp_dir().join(format!("ioring-gpio-uapi-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let src = dir.join("probe.c");
        let exe = dir.join("probe");
        std::fs::write(&src, PROBE).unwrap();
        let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
        let built = Command::new(&cc).arg("-o").arg(&exe).arg(&src).status().expect("a C compiler (cc)");
        assert!(built.success(), "{cc} could not build the probe against {}", header.display());
        let out = Command::new(&exe).output().unwrap();
        std::fs::remove_dir_all(&dir).ok();
        let text = String::from_utf8(out.stdout).unwrap();
        let kernel: std::collections::HashMap<&str, &str> = text.lines().filter_map(|l| l.split_once(' ')).collect();
        let num = |k: &str| -> u64 { kernel.get(k).unwrap_or_else(|| panic!("{k} missing")).parse().unwrap() };

        let ours: &[(&str, u64)] = &[
            ("sizeof.gpiochip_info", size_of::<ChipInfo>() as u64),
            ("offsetof.gpiochip_info.lines", std::mem::offset_of!(ChipInfo, lines) as u64),
            ("sizeof.gpio_v2_line_attribute", size_of::<LineAttribute>() as u64),
            ("offsetof.gpio_v2_line_attribute.values", std::mem::offset_of!(LineAttribute, value) as u64),
            ("sizeof.gpio_v2_line_config_attribute", size_of::<LineConfigAttribute>() as u64),
            ("offsetof.gpio_v2_line_config_attribute.mask", std::mem::offset_of!(LineConfigAttribute, mask) as u64),
            ("sizeof.gpio_v2_line_config", size_of::<LineConfig>() as u64),
            ("offsetof.gpio_v2_line_config.num_attrs", std::mem::offset_of!(LineConfig, num_attrs) as u64),
            ("offsetof.gpio_v2_line_config.attrs", std::mem::offset_of!(LineConfig, attrs) as u64),
            ("sizeof.gpio_v2_line_request", size_of::<LineRequest>() as u64),
            ("offsetof.gpio_v2_line_request.consumer", std::mem::offset_of!(LineRequest, consumer) as u64),
            ("offsetof.gpio_v2_line_request.config", std::mem::offset_of!(LineRequest, config) as u64),
            ("offsetof.gpio_v2_line_request.num_lines", std::mem::offset_of!(LineRequest, num_lines) as u64),
            ("offsetof.gpio_v2_line_request.event_buffer_size", std::mem::offset_of!(LineRequest, event_buffer_size) as u64),
            ("offsetof.gpio_v2_line_request.fd", std::mem::offset_of!(LineRequest, fd) as u64),
            ("sizeof.gpio_v2_line_values", size_of::<LineValues>() as u64),
            ("offsetof.gpio_v2_line_values.mask", std::mem::offset_of!(LineValues, mask) as u64),
            ("sizeof.gpio_v2_line_event", size_of::<LineEvent>() as u64),
            ("offsetof.gpio_v2_line_event.id", std::mem::offset_of!(LineEvent, id) as u64),
            ("offsetof.gpio_v2_line_event.offset", std::mem::offset_of!(LineEvent, offset) as u64),
            ("offsetof.gpio_v2_line_event.seqno", std::mem::offset_of!(LineEvent, seqno) as u64),
            ("offsetof.gpio_v2_line_event.line_seqno", std::mem::offset_of!(LineEvent, line_seqno) as u64),
            ("GPIO_V2_LINES_MAX", LINES_MAX as u64),
            ("GPIO_MAX_NAME_SIZE", MAX_NAME_SIZE as u64),
            ("GPIO_V2_LINE_NUM_ATTRS_MAX", NUM_ATTRS_MAX as u64),
            ("GPIO_GET_CHIPINFO_IOCTL", GET_CHIPINFO_IOCTL),
            ("GPIO_V2_GET_LINE_IOCTL", V2_GET_LINE_IOCTL),
            ("GPIO_V2_LINE_GET_VALUES_IOCTL", V2_LINE_GET_VALUES_IOCTL),
            ("GPIO_V2_LINE_SET_VALUES_IOCTL", V2_LINE_SET_VALUES_IOCTL),
            ("GPIO_V2_LINE_FLAG_ACTIVE_LOW", FLAG_ACTIVE_LOW),
            ("GPIO_V2_LINE_FLAG_INPUT", FLAG_INPUT),
            ("GPIO_V2_LINE_FLAG_OUTPUT", FLAG_OUTPUT),
            ("GPIO_V2_LINE_FLAG_EDGE_RISING", FLAG_EDGE_RISING),
            ("GPIO_V2_LINE_FLAG_EDGE_FALLING", FLAG_EDGE_FALLING),
            ("GPIO_V2_LINE_FLAG_BIAS_PULL_UP", FLAG_BIAS_PULL_UP),
            ("GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN", FLAG_BIAS_PULL_DOWN),
            ("GPIO_V2_LINE_FLAG_BIAS_DISABLED", FLAG_BIAS_DISABLED),
            ("GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES", u64::from(ATTR_ID_OUTPUT_VALUES)),
            ("GPIO_V2_LINE_EVENT_RISING_EDGE", u64::from(EVENT_RISING_EDGE)),
            ("GPIO_V2_LINE_EVENT_FALLING_EDGE", u64::from(EVENT_FALLING_EDGE)),
        ];
        for &(name, value) in ours {
            assert_eq!(num(name), value, "{name}: <linux/gpio.h> says {}, we say {value}", num(name));
        }

        // A request built from the guest's arguments is byte for byte the kernel's struct.
        let input = GpioRequestArgs {
            chip: 0,
            line: 17,
            direction: GpioDirection::Input,
            bias: GpioBias::PullUp,
            active_low: true,
            edges: GpioEdgeFlags::RISING | GpioEdgeFlags::FALLING,
            initial: true,
        };
        assert_eq!(hex(bytes_of(&line_request(&input).unwrap())), kernel["request.input"]);
        let output = GpioRequestArgs {
            chip: 0,
            line: 3,
            direction: GpioDirection::Output,
            bias: GpioBias::Disabled,
            active_low: false,
            edges: GpioEdgeFlags::empty(),
            initial: true,
        };
        assert_eq!(hex(bytes_of(&line_request(&output).unwrap())), kernel["request.output"]);
        assert_eq!(
            line_request(&GpioRequestArgs { edges: GpioEdgeFlags::RISING, ..output }).err(),
            Some(ErrorCode::Invalid),
            "edges on an output line"
        );

        // An event the kernel would write decodes to the edge the guest gets.
        let event: Vec<u8> = (0..kernel["event.falling"].len() / 2)
            .map(|i| u8::from_str_radix(&kernel["event.falling"][2 * i..2 * i + 2], 16).unwrap())
            .collect();
        let edge = edge_of(&event).unwrap();
        assert_eq!((edge.rising, edge.timestamp_ns, edge.seqno), (false, 0x0123456789abcdef, 4));
        assert!(edge_of(&event[..EVENT_SIZE - 1]).is_none(), "a short read is no event");
    }
}
