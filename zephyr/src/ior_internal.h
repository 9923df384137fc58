/*
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * @file
 * @brief ioring Zephyr host internals: operations, rings, handles, iodevs.
 */
#ifndef IOR_INTERNAL_H_
#define IOR_INTERNAL_H_

#include <zephyr/kernel.h>
#include <zephyr/rtio/rtio.h>
#include <zephyr/sys/slist.h>

#include "ior_abi.h"

struct ior_ring;

/** @brief Handle kinds in the guest's descriptor table. */
enum ior_hkind {
	IOR_H_FREE,
	IOR_H_STDIO,    /**< 0, 1, 2: console */
	IOR_H_DIR,      /**< a granted directory or one opened beneath it */
	IOR_H_FILE,
	IOR_H_SOCKET,
	IOR_H_DEVICE,   /**< a devicetree device grant */
	IOR_H_GPIO,     /**< a GPIO line requested from a GPIO controller's grant (obj) */
};

/** @brief One entry of the guest's descriptor table. */
struct ior_handle {
	uint8_t kind;      /**< enum ior_hkind */
	bool read_only;    /**< a read-only directory grant, and what is opened beneath it */
	bool writable;     /**< a file opened for writing (write, ftruncate need it) */
	bool readable;     /**< a file opened for reading */
	int16_t grant;     /**< index of the grant it came from, or -1 */
	int fd;            /**< socket descriptor */
	uint8_t net;       /**< sockets: IOR_NET_* (ior_ops_net.c) */
	void *obj;         /**< struct fs_file_t * for files */
	char path[64];     /**< directories: absolute path in the VFS */
};

/** @brief Families: where an operation runs. */
enum ior_family {
	IOR_FAM_INLINE, /**< completes in its iodev submit (nop, cancel, errors) */
	IOR_FAM_TIMER,  /**< k_timer iodev */
	IOR_FAM_WQ,     /**< work-queue iodev (files, stdio, fixed buffers) */
	IOR_FAM_NET,    /**< socket poller iodev */
	IOR_FAM_DEV,    /**< device iodev: SPI/I2C driver calls on the work queue */
	IOR_FAM_GPIO,   /**< GPIO iodev: GPIO driver calls in its submit, edge streams */
};

/**
 * @brief One guest operation, from its SQE to its last CQE.
 *
 * When a slot is reused (op_alloc), @ref sqe is cleared by decoding and the fields from
 * @ref ring up to @ref work by op_alloc; the rest is never cleared.
 */
struct ior_op {
	struct ior_abi_sqe sqe;       /**< decoded; guest ranges are stale after submit */
	struct ior_ring *ring;
	struct rtio_sqe *rsqe;        /**< the RTIO SQE carrying it */
	uint8_t family;               /**< enum ior_family */
	uint8_t preset;               /**< 1 + error-code: fail at submit without running */
	bool in_use;
	bool started;                 /**< its iodev has taken it */
	bool canceled;                /**< cancel asked for */
	bool timed_out;               /**< its link timeout fired */
	bool failed;                  /**< finished with an error (for soft links) */
	bool more;                    /**< multishot: this CQE is not the last */
	bool cqe_pending;             /**< multishot: a CQE not yet reaped */
	bool rearm;                   /**< multishot: its CQE was reaped; arm the next */
	bool is_err;
	uint32_t value;               /**< count, or error-code when is_err */
	uint8_t *buf;                 /**< host buffer: write bytes in, read bytes out */
	uint32_t buf_len;
	uint32_t out_len;             /**< payload bytes in buf for the CQE */
	struct ior_op *link_prev;     /**< the entry before in a soft link chain */
	struct ior_op *lt;            /**< the link-timeout guarding this op */
	struct ior_op *guarded;       /**< link-timeout: the op it guards */
	struct rtio_iodev_sqe *iodev_sqe; /**< while its iodev holds it */
	uint8_t lt_state;             /**< link-timeout: IOR_LT_* */
	bool net_filter;              /**< recvmsg: drop datagrams from senders not granted */
	bool chain_end;               /**< the last entry of its link chain */
	bool fixed_held;              /**< counted in its ring's fixed_busy */
	uint32_t count_base;          /**< timeout with a count: the ring's posted at its start */
	/** Detail, handle, address, stat for the CQE; complete() fills in the rest and writes
	 * the guest's CQE from it. */
	struct ior_abi_cqe detail;
	/* Fields from here on are not cleared when the slot is reused. */
	struct k_work work;
	struct k_timer timer;
	sys_snode_t node;             /**< poller list */
	int net_events;               /**< poller: what it waits for (ZSOCK_POLL*) */
	int net_fd;                   /**< poller: the socket it waits on */
	bool net_waiting;             /**< poller: on the poller's list */
};

/** @brief Link-timeout states. */
enum { IOR_LT_IDLE, IOR_LT_ARMED, IOR_LT_FIRED, IOR_LT_BEATEN };

/** @brief A fixed (registered) buffer set. */
struct ior_fixed {
	uint8_t *mem;
	uint32_t count;
	uint32_t size;
};

/*
 * Slots beyond IORING_RING_ENTRIES that only a lone cancel may take, so that a full ring can
 * still be told to cancel (the Linux host keeps 8): up to 4, out of the completion queue's
 * room beyond one completion per entry.
 */
#define IOR_CANCEL_SLOTS MIN(4, CONFIG_IORING_CQ_ENTRIES - CONFIG_IORING_RING_ENTRIES)
#define IOR_RING_SLOTS (CONFIG_IORING_RING_ENTRIES + IOR_CANCEL_SLOTS)

/** @brief One guest ring: an RTIO context and its operation slots. */
struct ior_ring {
	bool in_use;
	struct rtio *r;
	struct ior_op ops[IOR_RING_SLOTS];
	uint32_t posted;              /**< completions posted, timeouts' aside (count timeouts) */
	atomic_t running;             /**< ops given to RTIO, not finished (drain waits for 0) */
	struct ior_op *held[IOR_RING_SLOTS]; /**< held behind a drain, in submit order */
	uint32_t nheld;
	uint16_t free[IOR_RING_SLOTS]; /**< indices of the free slots (a stack) */
	uint32_t nfree;
	uint32_t count_timeouts;      /**< timeouts with a count holding a slot (count_posted) */
	uint32_t rearms;              /**< multishot ops marked to re-arm (ring_retire) */
	uint32_t inflight;            /**< ops holding a slot */
	uint32_t queued;              /**< RTIO SQEs acquired, not yet given to rtio_submit */
	struct ior_fixed fixed;
	uint32_t fixed_busy;          /**< fixed ops in flight */
};

/* ior_ring.c */
extern const uint8_t *ior_submit_mem;
void ior_op_done(struct ior_op *op, int res);
bool ior_op_begin(struct rtio_iodev_sqe *iodev_sqe, struct ior_op **out);
void ior_op_post_more(struct ior_op *op, int res);
void *ior_buf_alloc(size_t len);
void ior_buf_free(void *p);
struct ior_handle *ior_handle_get(uint32_t h, uint32_t kinds);
int ior_handle_alloc(void);
void ior_handle_free(uint32_t h);
void ior_handles_reset(void);
bool ior_cancel_pending(struct ior_op *op);
int ior_ops_cancel(struct ior_ring *ring, uint32_t target, bool all);

int ior_ring_create(uint32_t entries);
void ior_ring_drop(uint32_t idx);
void ior_rings_drop_all(void);
int ior_ring_submit(uint32_t idx, const uint8_t *mem, uint32_t size, uint32_t ptr,
		    uint32_t count);
int ior_ring_complete(uint32_t idx, uint32_t min, uint32_t max, bool has_timeout,
		      uint64_t timeout_ns, const struct ior_abi_guest *g, uint32_t retptr);
int ior_ring_enter(uint32_t idx, const struct ior_abi_guest *g, uint32_t ptr, uint32_t len,
		   uint32_t min, uint32_t max, bool has_timeout, uint64_t timeout_ns,
		   uint32_t retptr);
int ior_ring_register_buffers(uint32_t idx, uint32_t count, uint32_t size);
int ior_ring_buffer_io(uint32_t idx, uint32_t buf, uint32_t off, uint8_t *bytes, uint32_t len,
		       bool write);
uint8_t *ior_ring_fixed(struct ior_ring *ring, uint32_t buf, uint32_t off, uint32_t len);
uint32_t ior_ring_max_io(void);
/** @brief The most one read, write, send or receive may ask for (`invalid` past it), as the
 * Linux host: 16 MiB. Less may be done at once (ior_ring_max_io()): the rest is short. */
#define IOR_MAX_IO_LEN (16u << 20)
int ior_handle_find_grant(int grant);
void ior_wq_submit(struct ior_op *op);

/* iodevs */
extern const struct rtio_iodev_api ior_iodev_timer_api;
extern const struct rtio_iodev_api ior_iodev_wq_api;
extern const struct rtio_iodev_api ior_iodev_net_api;

/* ior_ops_time.c: timers and link timeouts */
bool ior_time_cancel(struct ior_op *op);
void ior_lt_arm(struct ior_op *guarded);
void ior_lt_disarm(struct ior_op *guarded);
void ior_time_counted(struct ior_op *op);

/* ior_ops_fs.c: files and stdio, on the work queue */
int ior_fs_prepare(struct ior_op *op);
int ior_fs_run(struct ior_op *op);
void ior_fs_close_all(void);

/* ior_ops_net.c: sockets */
int ior_net_prepare(struct ior_op *op);
bool ior_net_cancel(struct ior_op *op);
int ior_net_run_wq(struct ior_op *op);
void ior_net_reaped(struct ior_op *op);
int ior_net_listener(int grant);
void ior_net_close_all(void);

/* ior_ops_dev.c: SPI and I2C transfers on granted devices, on the work queue */
int ior_dev_prepare(struct ior_op *op);
int ior_dev_run(struct ior_op *op);

/* ior_ops_gpio.c: GPIO lines of granted GPIO controllers */
extern const struct rtio_iodev_api ior_iodev_gpio_api;
int ior_gpio_prepare(struct ior_op *op);
bool ior_gpio_cancel(struct ior_op *op);
void ior_gpio_reaped(struct ior_op *op);
void ior_gpio_close_all(void);

/* ior_grants.c */
int ior_grant_lookup(uint8_t kind, const uint8_t *name, uint32_t len);

/** @brief Grant kinds, as the grants interface names them. */
enum ior_grant_kind {
	IOR_GRANT_DIRECTORY,
	IOR_GRANT_LISTENER,
	IOR_GRANT_DEVICE,
	IOR_GRANT_BIND,    /**< no name: what the guest's own sockets may bind to */
	IOR_GRANT_CONNECT, /**< no name: what they may connect and send to */
	IOR_GRANT_BIND_DEVICE, /**< no name: a network interface sockets may be bound to */
};

#endif /* IOR_INTERNAL_H_ */
