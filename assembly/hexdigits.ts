// Lowercase hex digits for ids and \u escapes.
export const HEX: usize = heap.alloc(16);
for (let i = 0; i < 16; i++) store<u8>(HEX + <usize>i, <u8>(i < 10 ? 0x30 + i : 0x57 + i));
