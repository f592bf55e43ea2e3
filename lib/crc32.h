/* crc32.h: CRC-32 (IEEE 802.3, as zlib's crc32), for checking that boot
 * modules arrived intact. */
#ifndef SV_CRC32_H
#define SV_CRC32_H

#include <stddef.h>
#include <stdint.h>

uint32_t crc32(const void *data, size_t len);

#endif /* SV_CRC32_H */
