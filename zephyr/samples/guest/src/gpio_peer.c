/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The button of the button-led guest, on native_sim's emulated GPIO controller (gpio_emul,
 * gpio0): a thread of this image, at a lower priority than the guest's, that presses the
 * button (line IORING_GPIO_BUTTON, an input the guest requested with a pull-up and both
 * edges) and watches the LED (line IORING_GPIO_LED, the guest's output).
 *
 * - IORING_GPIO_STEADY edges at 10 kHz: the level toggles every 100 µs of simulated time
 *   (k_busy_wait), and after each toggle the LED must already show the new level: the edge's
 *   callback made the guest runnable, it took the edge from its stream and drove the LED
 *   before this thread ran again.
 * - then IORING_GPIO_BURST edges at 10 kHz with the scheduler locked: the guest cannot run
 *   until the burst is over, so the edges wait in the host's buffer; once it runs, the LED
 *   must show the last level;
 * - then one more edge.
 *
 * The guest counts the edges and checks their sequence numbers (none lost) and exits after
 * STEADY + BURST + 1 of them. peer_wait() gives 0 when every check here passed.
 */
#include <stdbool.h>

#include <zephyr/drivers/gpio.h>
#include <zephyr/drivers/gpio/gpio_emul.h>
#include <zephyr/kernel.h>
#include <zephyr/sys/printk.h>

#include "peer.h"

static const struct device *const port = DEVICE_DT_GET(DT_NODELABEL(gpio0));
static K_SEM_DEFINE(peer_done, 0, 1);
static int peer_status = 1;

/*
 * Sets the button to @level (the pin's physical level: the guest's line is not active-low).
 * gpio_emul runs the pin's callback in this thread, which makes the guest runnable; a real
 * interrupt's exit would switch to it, and so does this yield (not during a burst, which
 * must keep the guest from running).
 */
static void press(int level, bool yield)
{
	gpio_emul_input_set(port, IORING_GPIO_BUTTON, level);
	if (yield)
		k_yield();
}

static void peer(void *a, void *b, void *c)
{
	gpio_flags_t flags = 0;
	int level, wrong = 0, tries = 0;

	(void)a, (void)b, (void)c;
	/* Until the guest has requested both lines (the button first, then the LED). */
	while (gpio_emul_flags_get(port, IORING_GPIO_LED, &flags) != 0 || !(flags & GPIO_OUTPUT)) {
		if (++tries == 5000) {
			printk("ioring peer: gpio: the guest never requested the LED's line\n");
			goto out;
		}
		k_msleep(1);
	}
	k_msleep(5); /* its edge stream starts */
	/* The pull-up holds the button high: the LED started lit. */
	level = gpio_pin_get_raw(port, IORING_GPIO_BUTTON);
	if (level != 1 || gpio_emul_output_get(port, IORING_GPIO_LED) != 1) {
		printk("ioring peer: gpio: button %d and LED %d at the start, want 1 and 1\n", level,
		       gpio_emul_output_get(port, IORING_GPIO_LED));
		goto out;
	}
	for (int i = 0; i < IORING_GPIO_STEADY; i++) {
		level = !level;
		press(level, true);
		if (gpio_emul_output_get(port, IORING_GPIO_LED) != level && wrong++ < 5)
			printk("ioring peer: gpio: edge %d: the LED is %d, the button %d\n", i + 1,
			       gpio_emul_output_get(port, IORING_GPIO_LED), level);
		k_busy_wait(100);
	}
	if (wrong) {
		printk("ioring peer: gpio: the LED missed %d of %d edges\n", wrong, IORING_GPIO_STEADY);
		goto out;
	}
	printk("ioring peer: gpio: %d edges at 10 kHz, the LED followed each\n", IORING_GPIO_STEADY);
	k_sched_lock();
	for (int i = 0; i < IORING_GPIO_BURST; i++) {
		level = !level;
		press(level, false);
		k_busy_wait(100);
	}
	/* The guest runs now, takes every edge the burst left in the buffer, and waits again. */
	k_sched_unlock();
	if (gpio_emul_output_get(port, IORING_GPIO_LED) != level) {
		printk("ioring peer: gpio: after the burst the LED is %d, the button %d\n",
		       gpio_emul_output_get(port, IORING_GPIO_LED), level);
		goto out;
	}
	printk("ioring peer: gpio: a burst of %d edges at 10 kHz, the LED shows the last\n",
	       IORING_GPIO_BURST);
	peer_status = 0;
	/* One more edge: the guest's last, after which it releases the lines and exits. */
	press(!level, true);
out:
	k_sem_give(&peer_done);
}

K_THREAD_DEFINE(ioring_gpio_peer, 2048, peer, NULL, NULL, NULL, K_PRIO_PREEMPT(4), 0, 0);

int peer_wait(void)
{
	k_sem_take(&peer_done, K_SECONDS(30));
	return peer_status;
}
