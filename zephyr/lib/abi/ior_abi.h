/*
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * @file
 * @brief The `ioring:ring` canonical ABI, as a core-module host sees it.
 *
 * Portable C (no Zephyr, no WAMR): the lowered layouts of the WIT types on wasm32, decoding
 * and validation of SQEs read from guest memory, encoding of CQE lists and results written
 * back through the guest's `cabi_realloc`, the same for the packed form of `ring.enter`, the
 * errno -> `error-code` mapping, and the path confinement rule. The Zephyr host (src/) and the
 * Linux CI test (tests/linux/) both build it.
 *
 * Every guest address and length is checked against the guest's memory before use: a
 * malformed entry decodes to an error code, never to an access outside the memory.
 *
 * @defgroup ior_abi ioring canonical ABI
 * @{
 */
#ifndef IOR_ABI_H_
#define IOR_ABI_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Import module names of the core modules the C SDK builds. */
#define IOR_ABI_MODULE_RING "ioring:ring/ring@0.1.0"
#define IOR_ABI_MODULE_GRANTS "ioring:ring/grants@0.1.0"

/**
 * @defgroup ior_abi_layout Lowered layouts (wasm32)
 * Sizes and offsets of the WIT records as the canonical ABI lays them out in guest memory.
 * tests/linux checks them against wit-bindgen's C structs compiled for wasm32.
 * @{
 */
#define IOR_ABI_SQE_SIZE 64u        /**< `sqe`: op (variant, 56 B), user-data @56, flags @60 */
#define IOR_ABI_SQE_ALIGN 8u
#define IOR_ABI_SQE_OP_PAYLOAD 8u   /**< op payload offset (payload alignment 8) */
#define IOR_ABI_SQE_USER_DATA 56u
#define IOR_ABI_SQE_FLAGS 60u
#define IOR_ABI_CQE_SIZE 72u        /**< `cqe` */
#define IOR_ABI_CQE_ALIGN 8u
#define IOR_ABI_CQE_USER_DATA 0u
#define IOR_ABI_CQE_RES 4u          /**< result<u32, error-code>: tag @4, value @8 */
#define IOR_ABI_CQE_MORE 12u
#define IOR_ABI_CQE_DATA 16u        /**< list<u8>: ptr @16, len @20 */
#define IOR_ABI_CQE_DETAIL 24u      /**< cqe-detail: tag @24, payload @32 */
#define IOR_ABI_CQE_DETAIL_PAYLOAD 32u
#define IOR_ABI_SOCKADDR_SIZE 32u   /**< socket-address: tag @0, payload @4 */
#define IOR_ABI_SPI_SEGMENT_SIZE 20u
#define IOR_ABI_I2C_MESSAGE_SIZE 20u
/** @} */

/** @brief `op` cases, in WIT order. */
enum ior_abi_op {
	IOR_ABI_OP_NOP, IOR_ABI_OP_READ, IOR_ABI_OP_WRITE, IOR_ABI_OP_READ_FIXED,
	IOR_ABI_OP_WRITE_FIXED, IOR_ABI_OP_SEND, IOR_ABI_OP_RECV, IOR_ABI_OP_RECV_MULTISHOT,
	IOR_ABI_OP_RECVMSG, IOR_ABI_OP_SENDMSG, IOR_ABI_OP_ACCEPT, IOR_ABI_OP_ACCEPT_MULTISHOT,
	IOR_ABI_OP_CONNECT, IOR_ABI_OP_SOCKET, IOR_ABI_OP_BIND, IOR_ABI_OP_LISTEN,
	IOR_ABI_OP_SET_OPTION, IOR_ABI_OP_SHUTDOWN, IOR_ABI_OP_OPENAT, IOR_ABI_OP_CLOSE,
	IOR_ABI_OP_FSYNC, IOR_ABI_OP_STATX, IOR_ABI_OP_TIMEOUT, IOR_ABI_OP_LINK_TIMEOUT,
	IOR_ABI_OP_CANCEL, IOR_ABI_OP_POLL, IOR_ABI_OP_SPI_TRANSFER, IOR_ABI_OP_I2C_TRANSFER,
	IOR_ABI_OP_TTY_CONFIGURE, IOR_ABI_OP_LOCAL_ADDRESS,
	/* Added later, at the end of the variant: earlier case numbers are unchanged. */
	IOR_ABI_OP_FTRUNCATE, IOR_ABI_OP_MKDIRAT, IOR_ABI_OP_UNLINKAT, IOR_ABI_OP_RENAMEAT,
	IOR_ABI_OP_GPIO_REQUEST, IOR_ABI_OP_GPIO_GET, IOR_ABI_OP_GPIO_SET, IOR_ABI_OP_GPIO_EDGES,
	IOR_ABI_OP_COUNT /**< not an op: the number of cases */
};

/** @brief `error-code` cases, in WIT order. */
enum ior_abi_err {
	IOR_ABI_EACCES, IOR_ABI_EADDRINUSE, IOR_ABI_EADDRNOTAVAIL, IOR_ABI_EAFNOSUPPORT,
	IOR_ABI_EAGAIN, IOR_ABI_EALREADY, IOR_ABI_EBADF, IOR_ABI_EBUSY, IOR_ABI_ECANCELED,
	IOR_ABI_ECONNABORTED, IOR_ABI_ECONNREFUSED, IOR_ABI_ECONNRESET, IOR_ABI_EDESTADDRREQ,
	IOR_ABI_EEXIST, IOR_ABI_EFBIG, IOR_ABI_EHOSTUNREACH, IOR_ABI_EINPROGRESS, IOR_ABI_EINTR,
	IOR_ABI_EINVAL, IOR_ABI_EIO, IOR_ABI_EISCONN, IOR_ABI_EISDIR, IOR_ABI_ELOOP,
	IOR_ABI_EMFILE, IOR_ABI_EMSGSIZE, IOR_ABI_ENAMETOOLONG, IOR_ABI_ENETUNREACH,
	IOR_ABI_ENOBUFS, IOR_ABI_ENODEV, IOR_ABI_ENOENT, IOR_ABI_ENOMEM, IOR_ABI_ENOSPC,
	IOR_ABI_ENOTCONN, IOR_ABI_ENOTDIR, IOR_ABI_ENOTEMPTY, IOR_ABI_ENOTSUP, IOR_ABI_ENOTTY,
	IOR_ABI_ENXIO, IOR_ABI_EPERM, IOR_ABI_EPIPE, IOR_ABI_EPROTONOSUPPORT, IOR_ABI_ERANGE,
	IOR_ABI_EROFS, IOR_ABI_ETIMEDOUT, IOR_ABI_EXDEV, IOR_ABI_EUNKNOWN,
	IOR_ABI_ERR_COUNT /**< not a code: the number of cases */
};

/**
 * @defgroup ior_abi_sqe_flags SQE flags (`sqe-flags`)
 * @{
 */
#define IOR_ABI_SQE_LINK (1u << 0)
#define IOR_ABI_SQE_HARD_LINK (1u << 1)
#define IOR_ABI_SQE_DRAIN (1u << 2)
#define IOR_ABI_SQE_FLAGS_ALL 0x7u
/** @} */

/**
 * @defgroup ior_abi_open_flags Open flags (`open-flags`)
 * @{
 */
#define IOR_ABI_O_WRITE (1u << 0)
#define IOR_ABI_O_READ (1u << 1)
#define IOR_ABI_O_CREATE (1u << 2)
#define IOR_ABI_O_EXCLUSIVE (1u << 3)
#define IOR_ABI_O_TRUNCATE (1u << 4)
#define IOR_ABI_O_APPEND (1u << 5)
#define IOR_ABI_O_DIRECTORY (1u << 6)
#define IOR_ABI_O_NONBLOCK (1u << 7)
#define IOR_ABI_O_NOCTTY (1u << 8)
#define IOR_ABI_O_ALL 0x1ffu
/** @} */

/** @brief `socket-option` cases, in WIT order. */
enum ior_abi_sockopt {
	IOR_ABI_SO_REUSEADDR, IOR_ABI_SO_REUSEPORT, IOR_ABI_SO_TCP_NODELAY, IOR_ABI_SO_IPV6_ONLY,
	IOR_ABI_SO_KEEPALIVE, IOR_ABI_SO_RCVBUF, IOR_ABI_SO_SNDBUF,
	/* Added later, at the end of the variant. */
	IOR_ABI_SO_MULTICAST_JOIN, IOR_ABI_SO_MULTICAST_LEAVE, IOR_ABI_SO_MULTICAST_IF,
	IOR_ABI_SO_MULTICAST_LOOP, IOR_ABI_SO_MULTICAST_TTL, IOR_ABI_SO_BINDTODEVICE,
	IOR_ABI_SO_COUNT /**< not an option: the number of cases */
};

/** @brief `socket-address` cases. */
enum ior_abi_family { IOR_ABI_AF_INET, IOR_ABI_AF_INET6, IOR_ABI_AF_UNIX };

/** @brief `cqe-detail` cases. */
enum ior_abi_detail {
	IOR_ABI_DETAIL_NONE, IOR_ABI_DETAIL_HANDLE, IOR_ABI_DETAIL_ACCEPTED, IOR_ABI_DETAIL_PEER,
	IOR_ABI_DETAIL_STAT, IOR_ABI_DETAIL_ADDRESS, IOR_ABI_DETAIL_GPIO_EDGE
};

/** @brief `gpio-direction` and `gpio-bias` cases, `gpio-edge-flags` bits. */
enum ior_abi_gpio_dir { IOR_ABI_GPIO_INPUT, IOR_ABI_GPIO_OUTPUT };
enum ior_abi_gpio_bias {
	IOR_ABI_GPIO_BIAS_AS_IS, IOR_ABI_GPIO_BIAS_DISABLED, IOR_ABI_GPIO_PULL_UP,
	IOR_ABI_GPIO_PULL_DOWN
};
#define IOR_ABI_GPIO_EDGE_RISING (1u << 0)
#define IOR_ABI_GPIO_EDGE_FALLING (1u << 1)

/** @brief A decoded `gpio-request-args` (the chip is @ref ior_abi_sqe.fd). */
struct ior_abi_gpio {
	uint32_t line;
	uint8_t direction; /**< enum ior_abi_gpio_dir */
	uint8_t bias;      /**< enum ior_abi_gpio_bias */
	uint8_t edges;     /**< IOR_ABI_GPIO_EDGE_* */
	bool active_low;
	bool initial;
};

/** @brief A `gpio-edge`. */
struct ior_abi_gpio_edge {
	bool rising;
	uint64_t timestamp_ns;
	uint32_t seqno;
};

/** @brief A range of guest memory, checked to lie inside it when decoded. */
struct ior_abi_range {
	uint32_t ptr; /**< guest address */
	uint32_t len; /**< bytes (or, for lists of records, elements: see the users) */
};

/** @brief A decoded `socket-address`. A unix path stays in guest memory (checked). */
struct ior_abi_sockaddr {
	uint8_t family;       /**< enum ior_abi_family */
	uint16_t port;        /**< host byte order */
	uint8_t v4[4];        /**< most significant first */
	uint16_t v6[8];       /**< groups, most significant first */
	uint32_t flow_info;
	uint32_t scope_id;
	struct ior_abi_range path; /**< unix: the path bytes */
};

/** @brief A decoded `tty-config`. */
struct ior_abi_tty {
	bool raw;
	uint32_t baud;
	uint8_t data_bits;
	uint8_t parity; /**< 0 none, 1 odd, 2 even */
	uint8_t stop_bits;
	bool hw_flow;
};

/**
 * @brief One SQE, decoded and validated.
 *
 * Only the fields of its @ref op are meaningful. Guest ranges (data, path, lists) have been
 * checked against the guest memory the SQE was decoded from.
 */
struct ior_abi_sqe {
	uint8_t op;          /**< enum ior_abi_op */
	uint8_t flags;       /**< IOR_ABI_SQE_* */
	uint32_t user_data;  /**< returned in the CQE */
	uint32_t fd;         /**< the handle acted on (dir for openat/statx/mkdirat/unlinkat,
			      *   old-dir for renameat) */
	uint32_t fd2;        /**< renameat: new-dir */
	uint32_t len;        /**< read/recv length, listen backlog, fixed length */
	bool has_offset;     /**< read/write/fixed: offset given */
	uint64_t offset;     /**< file offset; ftruncate: the new length */
	struct ior_abi_range data; /**< write/send/sendmsg bytes; openat/statx/mkdirat/unlinkat
				    *   path; renameat old-path; set-option: an interface name */
	struct ior_abi_range data2; /**< renameat: new-path */
	uint32_t buffer;     /**< fixed: buffer index */
	uint32_t buffer_offset; /**< fixed: offset in the buffer */
	uint64_t ns;         /**< timeout / link-timeout duration */
	uint32_t count;      /**< timeout count; cancel target */
	bool flag;           /**< cancel all, fsync datasync, statx no-follow, poll multishot,
			      *   unlinkat remove-dir */
	uint32_t open_flags; /**< IOR_ABI_O_* */
	uint32_t mode;       /**< openat, mkdirat mode */
	uint8_t events;      /**< poll events */
	bool has_addr;       /**< connect/bind always, sendmsg when `to` given; set-option:
			      *   a multicast group (family and address, no port) */
	struct ior_abi_sockaddr addr;
	uint8_t family;      /**< socket: address-family */
	uint8_t socktype;    /**< socket: socket-type */
	uint8_t how;         /**< shutdown-how */
	uint8_t sockopt;     /**< set-option: case (enum ior_abi_sockopt) */
	uint32_t sockopt_val; /**< set-option: value (bool as 0/1, the TTL) */
	struct ior_abi_range list; /**< spi segments / i2c messages: ptr and element count */
	uint32_t xfer_tx;    /**< spi/i2c: total bytes sent */
	uint32_t xfer_rx;    /**< spi/i2c: total bytes received */
	struct ior_abi_tty tty;
	struct ior_abi_gpio gpio; /**< gpio-request: the line asked for; gpio-set: the value in
				   *   @ref flag */
};

/** @brief One SPI segment, decoded from an @ref ior_abi_sqe list. */
struct ior_abi_spi_seg {
	struct ior_abi_range tx;
	uint32_t rx_len;
	uint32_t speed_hz;
	uint8_t bits_per_word;
	bool cs_change;
	uint16_t delay_us;
};

/** @brief One I2C message, decoded from an @ref ior_abi_sqe list. */
struct ior_abi_i2c_msg {
	uint16_t address;
	struct ior_abi_range write;
	uint32_t read_len;
	bool ten_bit;
};

/** @brief A `file-stat`. */
struct ior_abi_stat {
	uint8_t type; /**< file-type case */
	uint64_t size;
	uint32_t mode;
	uint32_t links;
	uint64_t modified_ns;
};

/**
 * @brief One completion, in host memory, before it is written to the guest.
 */
struct ior_abi_cqe {
	uint32_t user_data;
	bool is_err;          /**< res is err(code) */
	uint32_t value;       /**< count, or enum ior_abi_err when is_err */
	bool more;
	const uint8_t *data;  /**< payload (host memory), copied into a guest allocation */
	uint32_t data_len;
	uint8_t detail;       /**< enum ior_abi_detail */
	uint32_t handle;      /**< DETAIL_HANDLE, DETAIL_ACCEPTED */
	struct ior_abi_sockaddr addr; /**< ACCEPTED, PEER, ADDRESS; a unix path in @ref path */
	const uint8_t *path;  /**< unix path bytes (host memory), addr.path.len long */
	struct ior_abi_stat stat;
	struct ior_abi_gpio_edge edge; /**< DETAIL_GPIO_EDGE */
};

/**
 * @brief The guest, as the ABI code needs it: its memory and its allocator.
 *
 * @ref mem is asked again after every @ref realloc, which may grow (move) the memory.
 */
struct ior_abi_guest {
	void *ctx;
	/** The memory's base and size in bytes. */
	uint8_t *(*mem)(void *ctx, uint32_t *size);
	/** The guest's cabi_realloc; returns 0 when it fails (or traps). */
	uint32_t (*realloc)(void *ctx, uint32_t old_ptr, uint32_t old_size, uint32_t align,
			    uint32_t new_size);
};

/**
 * @brief Zero @p n bytes at @p p (8-byte aligned, @p n a multiple of 8) with plain word stores.
 *
 * For what is cleared once per entry: a freestanding -Os build turns memset into a call, or,
 * on x86, a `rep stos` that costs more than the rest of decoding an entry.
 */
static inline void ior_abi_zero(void *p, size_t n)
{
	volatile uint64_t *w = (volatile uint64_t *)p;

	for (size_t i = 0; i < n / 8; i++)
		w[i] = 0;
}

/**
 * @brief Whether [ptr, ptr+len) lies inside a memory of @p size bytes.
 */
static inline bool ior_abi_range_ok(uint32_t size, uint32_t ptr, uint64_t len)
{
	return (uint64_t)ptr + len <= size;
}

/**
 * @brief Decode and validate the SQE at @p addr of memory @p mem (@p size bytes).
 *
 * @retval -1 the SQE itself lies outside the memory (nothing was decoded)
 * @retval 0 decoded; every range in @p out is inside the memory
 * @retval >0 1 + an enum ior_abi_err code: the entry is malformed; op, flags and user_data
 *         are decoded, so the host completes it with that code
 */
int ior_abi_sqe_decode(const uint8_t *mem, uint32_t size, uint32_t addr, struct ior_abi_sqe *out);

/**
 * @brief Decode segment @p i of an spi-transfer's list (checked by ior_abi_sqe_decode).
 */
void ior_abi_spi_seg(const uint8_t *mem, const struct ior_abi_sqe *sqe, uint32_t i,
		     struct ior_abi_spi_seg *out);

/**
 * @brief Decode message @p i of an i2c-transfer's list (checked by ior_abi_sqe_decode).
 */
void ior_abi_i2c_msg(const uint8_t *mem, const struct ior_abi_sqe *sqe, uint32_t i,
		     struct ior_abi_i2c_msg *out);

/**
 * @brief Write @p n CQEs as a `list<cqe>` to the return area at @p retptr.
 *
 * The list and every payload are allocated with the guest's cabi_realloc. When an allocation
 * fails part-way, the CQEs written so far are returned and the rest are left to the caller.
 *
 * @retval >=0 the number of CQEs written (the list's length)
 * @retval -1 @p retptr is outside the memory: the guest's glue is broken (trap it)
 */
int ior_abi_cqes_write(const struct ior_abi_guest *g, const struct ior_abi_cqe *cqes, uint32_t n,
		       uint32_t retptr);

/**
 * @brief ior_abi_cqes_write() for CQEs held by pointer (@p cqes[i] is the i-th), so that a host
 * may write them from where it keeps them, with no copy in between.
 */
int ior_abi_cqes_write_ptrs(const struct ior_abi_guest *g, const struct ior_abi_cqe *const *cqes,
			    uint32_t n, uint32_t retptr);

/**
 * @defgroup ior_abi_packed The packed form (`ring.enter`)
 * SQEs and CQEs as bytes, laid out as the doc comment of `enter` in wit/ring.wit says: one
 * byte list each way instead of lists of records, so the host reads SQEs where they lie and
 * writes all CQEs into one guest allocation. Entries start at multiples of 8 bytes from the
 * start of their list.
 * @{
 */
#define IOR_ABI_PK_SQE_HEADER 32u    /**< an SQE's header; write, send, sendmsg data follow */
#define IOR_ABI_PK_CQE_HEADER 16u    /**< a CQE's header; its data, then its detail follow */
#define IOR_ABI_PK_RESULT_HEADER 8u  /**< the result's u32 queued and u32 CQE count */
#define IOR_ABI_PK_NO_OFFSET UINT64_MAX /**< an SQE's offset field: none (current position) */
#define IOR_ABI_PK_CQE_MORE (1u << 0)
#define IOR_ABI_PK_CQE_ERR (1u << 1)

/**
 * @brief Find the entry at byte @p at of the packed SQE list @p list (@p len bytes, in host
 * memory the caller has checked), without decoding it.
 *
 * Sets @p op and @p flags as ior_abi_packed_decode() will give them: a header cut short by
 * the end of the list is no op (IOR_ABI_OP_COUNT) and has no flags.
 *
 * @return where the next entry begins, @p len when this one is the list's last (or runs past
 *         its end); 0 when there is no entry at @p at (the list has ended, or fewer bytes
 *         are left than hold a user-data)
 */
uint32_t ior_abi_packed_peek(const uint8_t *list, uint32_t len, uint32_t at, uint8_t *op,
			     uint8_t *flags);

/**
 * @brief Decode the entry at byte *@p at of the packed SQE list at guest address @p ptr
 * (@p len bytes) of memory @p mem (@p size bytes) into the form ior_abi_sqe_decode() gives,
 * and move *@p at to the next entry (as ior_abi_packed_peek() returns it).
 *
 * A write's, send's or sendmsg's data stays in the list: @ref ior_abi_sqe.data is its guest
 * range; so does a sendmsg destination's unix path (@ref ior_abi_sockaddr.path).
 * Unknown flag bits are ignored, as the Linux host does.
 *
 * @retval -1 the list lies outside the memory, or there is no entry at *@p at (unmoved)
 * @retval 0 decoded
 * @retval >0 1 + an enum ior_abi_err code: an op with no packed form, a bad value, or an
 *         entry cut short by the end of the list; op, flags and user_data are decoded
 */
int ior_abi_packed_decode(const uint8_t *mem, uint32_t size, uint32_t ptr, uint32_t len,
			  uint32_t *at, struct ior_abi_sqe *out);

/**
 * @brief Bytes CQE @p c takes in `enter`'s result: header, data and detail, padded to 8.
 */
uint32_t ior_abi_packed_cqe_size(const struct ior_abi_cqe *c);

/**
 * @brief Write `enter`'s result (@p queued, then the @p n CQEs @p cqes[i]) as a `list<u8>`
 * to the return area at @p retptr, in one allocation through the guest's cabi_realloc.
 *
 * @retval 0 written
 * @retval -1 @p retptr is outside the memory: the guest's glue is broken (trap it)
 * @retval -2 the guest could not allocate the result (trap it: there is no smaller answer)
 */
int ior_abi_packed_result_write(const struct ior_abi_guest *g, uint32_t queued,
				const struct ior_abi_cqe *const *cqes, uint32_t n,
				uint32_t retptr);
/** @} */

/**
 * @brief Write `result<u32-like, error-code>` (a handle, a ring) to @p retptr.
 * @retval 0 written
 * @retval -1 @p retptr is outside the memory
 */
int ior_abi_put_result_u32(const struct ior_abi_guest *g, uint32_t retptr, bool is_err,
			   uint32_t value);

/**
 * @brief Write `result<_, error-code>` to @p retptr.
 * @retval 0 written
 * @retval -1 @p retptr is outside the memory
 */
int ior_abi_put_result_unit(const struct ior_abi_guest *g, uint32_t retptr, bool is_err,
			    uint32_t code);

/**
 * @brief Write `result<list<u8>, error-code>` to @p retptr, copying @p len bytes of @p data
 * into a guest allocation when ok.
 * @retval 0 written
 * @retval -1 @p retptr is outside the memory
 */
int ior_abi_put_result_bytes(const struct ior_abi_guest *g, uint32_t retptr, bool is_err,
			     uint32_t code, const uint8_t *data, uint32_t len);

/**
 * @brief Whether a transfer's result @p res is short, which (as in io_uring) breaks a soft
 * link chain: a read or write that moved fewer bytes than asked (a short send or receive
 * does not, as io_uring's without MSG_WAITALL; wit/ring.wit).
 */
static inline bool ior_abi_short(const struct ior_abi_sqe *s, int64_t res)
{
	switch (s->op) {
	case IOR_ABI_OP_READ:
	case IOR_ABI_OP_READ_FIXED:
	case IOR_ABI_OP_WRITE_FIXED:
		return res >= 0 && (uint64_t)res < s->len;
	case IOR_ABI_OP_WRITE:
		return res >= 0 && (uint64_t)res < s->data.len;
	default:
		return false;
	}
}

/**
 * @brief Map a positive errno value of the platform's <errno.h> to an `error-code`.
 */
uint8_t ior_abi_errno(int err);

/**
 * @brief Check a guest path for use beneath a granted directory.
 *
 * Relative, no empty result, no component that climbs above the start (`..` is allowed
 * while it stays beneath), no NUL bytes. Writes the normalised path ("a/b", or "" for the
 * directory itself) into @p out.
 *
 * @retval 0 ok
 * @retval >0 1 + an enum ior_abi_err code (access for an escape, name-too-long, invalid)
 */
int ior_abi_path_beneath(const uint8_t *path, uint32_t len, char *out, size_t out_size);

/**
 * @brief Whether a path names an entry to create, remove or rename: its last component
 * (trailing slashes aside) is neither empty, `.` nor `..` (mkdirat, unlinkat, renameat).
 *
 * @retval 0 ok
 * @retval >0 1 + IOR_ABI_EINVAL
 */
int ior_abi_path_last_ok(const uint8_t *path, uint32_t len);

#ifdef __cplusplus
}
#endif

/** @} */

#endif /* IOR_ABI_H_ */
