/*
 * ne2k.c: the NE2000 driver (ne2k.h). Read it as the real-hardware twin
 * of lan.c: there the "receive ring" is a pool of sg lists and a frame
 * arrives by the hypervisor's copy; here it is 256-byte pages of the
 * card's own memory, which we copy out through its data port (the
 * "remote DMA": the card's, not a DMA into our memory, so the I/O
 * bitmap is all the isolation it needs).
 *
 * The card is National's DP8390 with 16 KiB of packet memory at 0x4000
 * (pages 0x40 .. 0x7F), driven in 16-bit mode. Registers are in pages
 * selected by the command register's top bits; page 0 for almost
 * everything, page 1 for the station address and CURR.
 */
#include "ne2k.h"
#include "portio.h"	/* lib/portio.h */
#include "sv.h"

#define IO(reg)		((uint16_t)(SV_NE2000_IO_BASE + (reg)))

/* Page 0 (write unless said) */
#define CR		0x00	/* command (both pages) */
#define PSTART		0x01	/* the receive ring's first page */
#define PSTOP		0x02	/* ... and the page after its last */
#define BNRY		0x03	/* boundary: the last page we have read (read/write) */
#define TPSR		0x04	/* the page the frame to send starts at */
#define TBCR0		0x05	/* its length */
#define TBCR1		0x06
#define ISR		0x07	/* interrupt status (read; write 1s to clear) */
#define RSAR0		0x08	/* remote DMA: address in the card's memory */
#define RSAR1		0x09
#define RBCR0		0x0A	/* remote DMA: byte count */
#define RBCR1		0x0B
#define RCR		0x0C	/* receive configuration */
#define TCR		0x0D	/* transmit configuration */
#define DCR		0x0E	/* data configuration */
#define IMR		0x0F	/* interrupt mask */
#define CNTR2		0x0F	/* (read) frames missed for want of room */
#define DATA		0x10	/* the remote DMA data port */
#define RESET		0x1F	/* read, then write: reset the card */
/* Page 1 */
#define PAR0		0x01	/* our station address, 6 registers */
#define CURR		0x07	/* the page the card writes the next frame to */
#define MAR0		0x08	/* multicast filter, 8 registers */

#define CR_STOP		0x01
#define CR_START	0x02
#define CR_TXP		0x04	/* transmit the frame at TPSR */
#define CR_RREAD	0x08	/* remote DMA: read from the card */
#define CR_RWRITE	0x10	/* remote DMA: write to the card */
#define CR_NODMA	0x20	/* no remote DMA (abort one in progress) */
#define CR_PAGE1	0x40

#define ISR_PRX		0x01	/* a frame received */
#define ISR_PTX		0x02	/* a frame sent */
#define ISR_RXE		0x04	/* a receive error */
#define ISR_TXE		0x08	/* a transmit error (e.g. too many collisions) */
#define ISR_OVW		0x10	/* the receive ring is full */
#define ISR_CNT		0x20	/* an error counter is half full */
#define ISR_RDC		0x40	/* the remote DMA is complete */
#define ISR_RST		0x80	/* the card is stopped (reset, or after an overrun) */

#define DCR_WORD_FIFO8	0x49	/* 16-bit transfers, normal (not loopback), FIFO at 8 bytes */
#define RCR_BROADCAST	0x04	/* accept broadcast frames (and ours) */
#define TCR_NORMAL	0x00
#define TCR_LOOPBACK	0x02	/* internal loopback: nothing goes on the wire */
#define IMR_ALL		(ISR_PRX | ISR_PTX | ISR_RXE | ISR_TXE | ISR_OVW | ISR_CNT)

/* Packet memory: one transmit buffer of 6 pages, the rest the ring. */
#define TX_PAGE		0x40
#define RX_START	0x46
#define RX_STOP		0x80

#define RESET_TRIES	100000

static uint32_t nic_port;
static uint8_t mac[ETH_ALEN];
static struct ne2k_stats stats;
static volatile uint8_t isr_seen;	/* ISR bits seen and acknowledged, not yet handled */

static uint8_t reg_in(uint32_t r) { return inb(IO(r)); }
static void reg_out(uint32_t r, uint8_t v) { outb(IO(r), v); }

/* The card's interrupt status, acknowledged, added to what we have seen.
 * The card's interrupt line is high while any unmasked ISR bit is set,
 * and the hypervisor's PIC takes its rising edges (kernel/pic.c): with
 * the mask cleared while we look, a bit that comes after our read still
 * raises a new edge when the mask returns, so no interrupt is lost. */
static uint8_t take_isr(void)
{
	reg_out(IMR, 0);
	uint8_t isr = reg_in(ISR) & (uint8_t)~ISR_RST;
	if (isr)
		reg_out(ISR, isr);
	reg_out(IMR, IMR_ALL);
	isr_seen |= isr;
	return isr;
}

/* Remote DMA: copy between our memory and the card's at addr. The card
 * counts bytes, we move words: an odd length rounds up. */
static void dma_setup(uint32_t addr, uint32_t len, uint8_t direction)
{
	len = (len + 1) & ~1u;
	reg_out(CR, CR_NODMA | CR_START);
	reg_out(RBCR0, (uint8_t)len);
	reg_out(RBCR1, (uint8_t)(len >> 8));
	reg_out(RSAR0, (uint8_t)addr);
	reg_out(RSAR1, (uint8_t)(addr >> 8));
	reg_out(CR, direction | CR_START);
}

/* Wait for "remote DMA complete" and acknowledge it (a few port reads:
 * the card finishes as the last word moves). */
static void dma_finish(void)
{
	for (uint32_t i = 0; i < RESET_TRIES && !(reg_in(ISR) & ISR_RDC); i++)
		;
	reg_out(ISR, ISR_RDC);
}

static void dma_read(uint32_t addr, void *buf, uint32_t len)
{
	uint8_t *p = buf;
	dma_setup(addr, len, CR_RREAD);
	for (uint32_t i = 0; i + 1 < len; i += 2) {
		uint16_t w = inw(IO(DATA));
		p[i] = (uint8_t)w;
		p[i + 1] = (uint8_t)(w >> 8);
	}
	if (len & 1)
		p[len - 1] = (uint8_t)inw(IO(DATA));
	dma_finish();
}

static void dma_write(uint32_t addr, const void *buf, uint32_t len)
{
	const uint8_t *p = buf;
	dma_setup(addr, len, CR_RWRITE);
	for (uint32_t i = 0; i + 1 < len; i += 2)
		outw(IO(DATA), (uint16_t)(p[i] | p[i + 1] << 8));
	if (len & 1)
		outw(IO(DATA), p[len - 1]);
	dma_finish();
}

/* Reset the card and program it, its ring empty, receiving. The PROM
 * (read in 16-bit mode) holds each byte of the MAC address twice. */
static bool card_start(void)
{
	reg_out(RESET, reg_in(RESET));
	uint32_t i = 0;
	while (i < RESET_TRIES && !(reg_in(ISR) & ISR_RST))
		i++;
	if (i == RESET_TRIES)
		return false;
	reg_out(CR, CR_NODMA | CR_STOP);
	reg_out(DCR, DCR_WORD_FIFO8);
	reg_out(RBCR0, 0);
	reg_out(RBCR1, 0);
	reg_out(RCR, RCR_BROADCAST);
	reg_out(TCR, TCR_LOOPBACK);		/* quiet on the wire until set up */
	reg_out(ISR, 0xFF);
	reg_out(IMR, 0);

	uint8_t prom[2 * ETH_ALEN];
	dma_read(0, prom, sizeof(prom));
	for (uint32_t k = 0; k < ETH_ALEN; k++)
		mac[k] = prom[2 * k];

	reg_out(CR, CR_NODMA | CR_STOP);
	reg_out(TPSR, TX_PAGE);
	reg_out(PSTART, RX_START);
	reg_out(PSTOP, RX_STOP);
	reg_out(BNRY, RX_START);		/* read up to here: nothing yet */
	reg_out(CR, CR_PAGE1 | CR_NODMA | CR_STOP);
	for (uint32_t k = 0; k < ETH_ALEN; k++)
		reg_out(PAR0 + k, mac[k]);
	for (uint32_t k = 0; k < 8; k++)
		reg_out(MAR0 + k, 0);		/* no multicast */
	reg_out(CURR, ne2k_ring_after(RX_START, RX_START, RX_STOP));
	reg_out(CR, CR_NODMA | CR_START);
	reg_out(ISR, 0xFF);
	reg_out(IMR, IMR_ALL);
	reg_out(TCR, TCR_NORMAL);
	isr_seen = 0;
	return true;
}

int32_t ne2k_open(uint32_t port)
{
	nic_port = port;
	int32_t rc = sv_device_grab(SV_DEV_NE2000, port, SV_GRAB_WAIT);
	if (rc < 0)
		return rc;
	if (rc == SV_GRAB_QUEUED) {
		while (!(shared_info->device[SV_DEV_NE2000] & SV_DEVF_OWNER))
			ne2k_wait(0);
	}
	if (!card_start()) {
		sv_device_release(SV_DEV_NE2000);
		return SV_EAGAIN;
	}
	return 0;
}

void ne2k_mac(uint8_t out[ETH_ALEN])
{
	memcpy(out, mac, ETH_ALEN);
}

static bool tx_done(void)
{
	take_isr();
	return isr_seen & (ISR_PTX | ISR_TXE);
}

int32_t ne2k_send(const void *frame, uint32_t len)
{
	static uint8_t padded[NE2K_MIN_FRAME];
	if (len < ETH_HEADER || len > NE2K_MAX_FRAME)
		return SV_EINVAL;
	if (len < NE2K_MIN_FRAME) {	/* the wire's minimum, padded with zeros */
		memset(padded, 0, sizeof(padded));
		memcpy(padded, frame, len);
		frame = padded;
		len = NE2K_MIN_FRAME;
	}
	dma_write(TX_PAGE * NE2K_PAGE, frame, len);
	isr_seen &= (uint8_t)~(ISR_PTX | ISR_TXE);
	reg_out(TPSR, TX_PAGE);
	reg_out(TBCR0, (uint8_t)len);
	reg_out(TBCR1, (uint8_t)(len >> 8));
	reg_out(CR, CR_NODMA | CR_TXP | CR_START);
	sv_block_until_port(nic_port, tx_done);
	if (isr_seen & ISR_TXE) {
		stats.tx_errors++;
		return SV_EAGAIN;
	}
	stats.sent++;
	return 0;
}

/* The ring cannot be believed past a header (or the card overran it):
 * the datasheet's recovery. Stop; the transmitter finishes; loopback so
 * nothing new arrives; start; empty the ring by setting BNRY just behind
 * CURR; back to normal. A frame that was being sent goes again. */
static void ring_reset(void)
{
	bool was_sending = reg_in(CR) & CR_TXP;
	reg_out(CR, CR_NODMA | CR_STOP);
	for (uint32_t i = 0; i < RESET_TRIES && !(reg_in(ISR) & ISR_RST); i++)
		;
	reg_out(RBCR0, 0);
	reg_out(RBCR1, 0);
	bool resend = was_sending && !(reg_in(ISR) & (ISR_PTX | ISR_TXE));
	reg_out(TCR, TCR_LOOPBACK);
	reg_out(CR, CR_NODMA | CR_START);
	reg_out(CR, CR_PAGE1 | CR_NODMA | CR_START);
	uint8_t curr = reg_in(CURR);
	if (curr < RX_START || curr >= RX_STOP) {	/* nonsense: start the ring afresh */
		curr = ne2k_ring_after(RX_START, RX_START, RX_STOP);
		reg_out(CURR, curr);
	}
	reg_out(CR, CR_NODMA | CR_START);
	reg_out(BNRY, ne2k_ring_before(curr, RX_START, RX_STOP));
	reg_out(ISR, ISR_OVW | ISR_RST);
	reg_out(TCR, TCR_NORMAL);
	if (resend)
		reg_out(CR, CR_NODMA | CR_TXP | CR_START);
}

static uint8_t current_page(void)
{
	reg_out(CR, CR_PAGE1 | CR_NODMA | CR_START);
	uint8_t curr = reg_in(CURR);
	reg_out(CR, CR_NODMA | CR_START);
	return curr;
}

/* The frame at the front of the ring: its length, copied into buf (or
 * SV_ERANGE: longer than cap, dropped); 0 if the ring is empty or had to
 * be started afresh; -1 if it was one to step over. */
static int32_t take_frame(void *buf, uint32_t cap)
{
	uint8_t page = ne2k_ring_after(reg_in(BNRY), RX_START, RX_STOP);
	if (page == current_page())
		return 0;			/* the ring is empty */

	struct ne2k_rx_header h;
	uint8_t raw[NE2K_HEADER];
	dma_read(page * NE2K_PAGE, raw, sizeof(raw));
	h.status = raw[0];
	h.next = raw[1];
	h.count = (uint16_t)(raw[2] | raw[3] << 8);
	uint32_t len = 0;
	enum ne2k_rx_verdict verdict = ne2k_rx_check(&h, page, RX_START, RX_STOP, &len);
	if (verdict == NE2K_RX_RESET) {
		stats.bad_headers++;
		ring_reset();
		return 0;
	}
	int32_t rc = SV_ERANGE;
	if (verdict == NE2K_RX_SKIP) {
		stats.skipped++;		/* flagged bad, a runt, or too long */
		rc = -1;
	} else if (len <= cap) {
		/* The frame may run past the ring's end and on from its start. */
		uint32_t addr = page * NE2K_PAGE + NE2K_HEADER;
		uint32_t to_end = RX_STOP * NE2K_PAGE - addr;
		uint32_t first = len < to_end ? len : to_end;
		dma_read(addr, buf, first);
		if (first < len)
			dma_read(RX_START * NE2K_PAGE, (uint8_t *)buf + first, len - first);
		stats.received++;
		rc = (int32_t)len;
	}
	reg_out(BNRY, ne2k_ring_before(h.next, RX_START, RX_STOP));	/* the card may reuse it */
	return rc;
}

int32_t ne2k_receive(void *buf, uint32_t cap)
{
	uint8_t isr = take_isr();
	if (isr & ISR_RXE)
		stats.rx_errors++;
	if (isr & ISR_CNT)
		stats.missed += reg_in(CNTR2);	/* reading clears it */
	if (isr_seen & ISR_OVW) {
		isr_seen &= (uint8_t)~ISR_OVW;
		stats.overruns++;
		ring_reset();
		return 0;
	}
	int32_t rc;
	while ((rc = take_frame(buf, cap)) == -1)
		;				/* stepped over one: the next */
	return rc;
}

static uint64_t wait_deadline;

static bool card_or_deadline(void)
{
	if (take_isr())
		stats.interrupts++;
	return isr_seen || (wait_deadline && sv_now() >= wait_deadline) ||
	       !(shared_info->device[SV_DEV_NE2000] & SV_DEVF_OWNER);
}

void ne2k_wait(uint64_t deadline_ns)
{
	wait_deadline = deadline_ns;
	if (deadline_ns)
		sv_timer_set(deadline_ns);
	/* Frames may be in the ring already: an interrupt we took as an
	 * acknowledged ISR bit (isr_seen) is not lost. */
	if (shared_info->device[SV_DEV_NE2000] & SV_DEVF_OWNER &&
	    ne2k_ring_after(reg_in(BNRY), RX_START, RX_STOP) != current_page())
		return;
	sv_block_until_port(nic_port, card_or_deadline);
	isr_seen &= (uint8_t)~(ISR_PRX | ISR_PTX | ISR_CNT | ISR_RXE);
}

int32_t ne2k_close(void)
{
	reg_out(IMR, 0);
	reg_out(CR, CR_NODMA | CR_STOP);
	reg_out(ISR, 0xFF);
	return sv_device_release(SV_DEV_NE2000);
}

const struct ne2k_stats *ne2k_stats(void)
{
	return &stats;
}
