/* SPDX-License-Identifier: Apache-2.0 */
#ifndef IORING_SAMPLE_PEER_H_
#define IORING_SAMPLE_PEER_H_

/** Waits for the peer thread; 0 when everything it checked was right. */
int peer_wait(void);

#endif
