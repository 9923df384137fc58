/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The conformance fixture's GPIO chip (test/conformance/gpio.c): native_sim's emulated
 * controller gpio0, granted as "gpio", with lines 0 -> 1 and 2 -> 3 wired, as jumpers on a
 * board would be: when the guest drives output line 0 (2), line 1 (3) reads the same level.
 * gpio_emul calls the callbacks of an output-only pin whose level changed ("output wiring"),
 * and this one sets the wired input, which raises its edge interrupts.
 */
#include <zephyr/device.h>
#include <zephyr/drivers/gpio.h>
#include <zephyr/drivers/gpio/gpio_emul.h>
#include <zephyr/init.h>

static const struct device *const port = DEVICE_DT_GET(DT_NODELABEL(gpio0));
static struct gpio_callback wires;

static void follow(const struct device *dev, struct gpio_callback *cb, gpio_port_pins_t pins)
{
	(void)cb;
	for (gpio_pin_t out = 0; out <= 2; out += 2) {
		if (pins & BIT(out))
			gpio_emul_input_set(dev, out + 1, gpio_emul_output_get(dev, out));
	}
}

static int wires_init(void)
{
	/* The wired inputs are inputs from the start, so a wire follows its output before the
	 * guest requests them (gpio_emul sets only inputs). */
	int ret = gpio_pin_configure(port, 1, GPIO_INPUT);

	if (!ret)
		ret = gpio_pin_configure(port, 3, GPIO_INPUT);
	gpio_init_callback(&wires, follow, BIT(0) | BIT(2));
	return ret ? ret : gpio_add_callback(port, &wires);
}

SYS_INIT(wires_init, APPLICATION, 99);
