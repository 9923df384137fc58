#include <stddef.h>
#include "app.h"
#include "ior_abi.h"
#define CHECK(c) _Static_assert(c, #c)
CHECK(sizeof(ioring_ring_types_sqe_t) == IOR_ABI_SQE_SIZE);
CHECK(offsetof(ioring_ring_types_sqe_t, user_data) == IOR_ABI_SQE_USER_DATA);
CHECK(offsetof(ioring_ring_types_sqe_t, flags) == IOR_ABI_SQE_FLAGS);
CHECK(sizeof(ioring_ring_types_cqe_t) == IOR_ABI_CQE_SIZE);
CHECK(offsetof(ioring_ring_types_cqe_t, more) == IOR_ABI_CQE_MORE);
CHECK(offsetof(ioring_ring_types_cqe_t, data) == IOR_ABI_CQE_DATA);
CHECK(offsetof(ioring_ring_types_cqe_t, detail) == IOR_ABI_CQE_DETAIL);
CHECK(offsetof(ioring_ring_types_cqe_t, detail.val) == IOR_ABI_CQE_DETAIL_PAYLOAD);
CHECK(sizeof(ioring_ring_types_socket_address_t) == IOR_ABI_SOCKADDR_SIZE);
CHECK(sizeof(ioring_ring_types_spi_segment_t) == IOR_ABI_SPI_SEGMENT_SIZE);
CHECK(sizeof(ioring_ring_types_i2c_message_t) == IOR_ABI_I2C_MESSAGE_SIZE);
CHECK(offsetof(ioring_ring_types_sqe_t, op.val) == IOR_ABI_SQE_OP_PAYLOAD);
CHECK(offsetof(ioring_ring_types_sendmsg_args_t, to) == 12);
CHECK(offsetof(ioring_ring_types_openat_args_t, mode) == 16);
CHECK(offsetof(ioring_ring_types_write_args_t, offset) == 16);
CHECK(offsetof(ioring_ring_types_fixed_args_t, offset) == 16);
CHECK(offsetof(ioring_ring_types_read_args_t, offset) == 8);
CHECK(offsetof(ioring_ring_types_file_stat_t, modified_ns) == 24);
CHECK(offsetof(ioring_ring_types_tty_config_t, hardware_flow_control) == 11);
CHECK(offsetof(ioring_ring_types_i2c_message_t, ten_bit) == 16);
CHECK(offsetof(ioring_ring_types_spi_segment_t, delay_us) == 18);
CHECK(IORING_RING_TYPES_OP_LOCAL_ADDRESS == IOR_ABI_OP_LOCAL_ADDRESS);
CHECK(IORING_RING_TYPES_OP_FTRUNCATE == IOR_ABI_OP_FTRUNCATE);
CHECK(IORING_RING_TYPES_OP_MKDIRAT == IOR_ABI_OP_MKDIRAT);
CHECK(IORING_RING_TYPES_OP_UNLINKAT == IOR_ABI_OP_UNLINKAT);
CHECK(IORING_RING_TYPES_OP_RENAMEAT == IOR_ABI_OP_RENAMEAT);
CHECK(offsetof(ioring_ring_types_sqe_t, op.val.ftruncate.f1) - IOR_ABI_SQE_OP_PAYLOAD == 8);
CHECK(offsetof(ioring_ring_types_mkdirat_args_t, mode) == 12);
CHECK(offsetof(ioring_ring_types_unlinkat_args_t, remove_dir) == 12);
CHECK(offsetof(ioring_ring_types_renameat_args_t, new_dir) == 12);
CHECK(offsetof(ioring_ring_types_renameat_args_t, new_path) == 16);
CHECK(IORING_RING_TYPES_ERROR_CODE_UNKNOWN == IOR_ABI_EUNKNOWN);
CHECK(IORING_RING_TYPES_ERROR_CODE_TIMED_OUT == IOR_ABI_ETIMEDOUT);
/* Socket options added later: their case numbers and where set-option's payload keeps them. */
CHECK(IORING_RING_TYPES_SOCKET_OPTION_SEND_BUFFER_SIZE == IOR_ABI_SO_SNDBUF);
CHECK(IORING_RING_TYPES_SOCKET_OPTION_MULTICAST_JOIN == IOR_ABI_SO_MULTICAST_JOIN);
CHECK(IORING_RING_TYPES_SOCKET_OPTION_BIND_TO_DEVICE == IOR_ABI_SO_BINDTODEVICE);
CHECK(IORING_RING_TYPES_SOCKET_OPTION_BIND_TO_DEVICE + 1 == IOR_ABI_SO_COUNT);
CHECK(offsetof(ioring_ring_types_sqe_t, op.val.set_option.f1.val) - IOR_ABI_SQE_OP_PAYLOAD == 8);
CHECK(offsetof(ioring_ring_types_sqe_t, op.val.set_option.f1.val.multicast_join.group.val) - IOR_ABI_SQE_OP_PAYLOAD == 10);
CHECK(offsetof(ioring_ring_types_sqe_t, op.val.set_option.f1.val.multicast_join.interface_name) - IOR_ABI_SQE_OP_PAYLOAD == 28);
/* GPIO: the operations' case numbers, gpio-request-args' and gpio-edge's layouts. */
CHECK(IORING_RING_TYPES_OP_GPIO_REQUEST == IOR_ABI_OP_GPIO_REQUEST);
CHECK(IORING_RING_TYPES_OP_GPIO_EDGES == IOR_ABI_OP_GPIO_EDGES);
CHECK(IORING_RING_TYPES_OP_GPIO_EDGES + 1 == IOR_ABI_OP_COUNT);
CHECK(IORING_RING_TYPES_CQE_DETAIL_GPIO_EDGE == IOR_ABI_DETAIL_GPIO_EDGE);
CHECK(offsetof(ioring_ring_types_gpio_request_args_t, line) == 4);
CHECK(offsetof(ioring_ring_types_gpio_request_args_t, direction) == 8);
CHECK(offsetof(ioring_ring_types_gpio_request_args_t, bias) == 9);
CHECK(offsetof(ioring_ring_types_gpio_request_args_t, active_low) == 10);
CHECK(offsetof(ioring_ring_types_gpio_request_args_t, edges) == 11);
CHECK(offsetof(ioring_ring_types_gpio_request_args_t, initial) == 12);
CHECK(IORING_RING_TYPES_GPIO_BIAS_PULL_DOWN == IOR_ABI_GPIO_PULL_DOWN);
CHECK(IORING_RING_TYPES_GPIO_EDGE_FLAGS_FALLING == IOR_ABI_GPIO_EDGE_FALLING);
CHECK(offsetof(ioring_ring_types_sqe_t, op.val.gpio_set.f1) - IOR_ABI_SQE_OP_PAYLOAD == 4);
CHECK(offsetof(ioring_ring_types_gpio_edge_t, timestamp_ns) == 8);
CHECK(offsetof(ioring_ring_types_gpio_edge_t, seqno) == 16);
CHECK(sizeof(ioring_ring_types_sqe_t) == IOR_ABI_SQE_SIZE);
CHECK(sizeof(ioring_ring_types_cqe_t) == IOR_ABI_CQE_SIZE);
