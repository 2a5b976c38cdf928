package org.cortado.gpu;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The soname and the needed libraries ({@code DT_SONAME}, {@code DT_NEEDED}) of a 64-bit little-endian ELF shared
 * library, read from its section headers. The loader uses them to load a CUDA library's own dependencies from the
 * same folder first (libcublas.so.13 needs libcublasLt.so.13), so that no folder has to be on the loader's path.
 */
record ElfInfo(String soname, List<String> needed) {
    private static final int SHT_DYNAMIC = 6;
    private static final long DT_NULL = 0;
    private static final long DT_NEEDED = 1;
    private static final long DT_SONAME = 14;

    /** Reads {@code file}; throws IOException naming the file when it is not a 64-bit little-endian ELF object. */
    static ElfInfo read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer head = read(ch, 0, 64, file);
            if (head.getInt(0) != 0x464c457f || head.get(4) != 2 || head.get(5) != 1) {
                throw new IOException(file + ": not a 64-bit little-endian ELF file");
            }
            long shoff = head.getLong(0x28);
            int shentsize = Short.toUnsignedInt(head.getShort(0x3a));
            int shnum = Short.toUnsignedInt(head.getShort(0x3c));
            ByteBuffer sections = read(ch, shoff, (long) shentsize * shnum, file);
            for (int i = 0; i < shnum; i++) {
                int s = i * shentsize;
                if (sections.getInt(s + 4) != SHT_DYNAMIC) {
                    continue;
                }
                ByteBuffer dyn = read(ch, sections.getLong(s + 0x18), sections.getLong(s + 0x20), file);
                int link = sections.getInt(s + 0x28);
                int l = link * shentsize;
                ByteBuffer strtab = read(ch, sections.getLong(l + 0x18), sections.getLong(l + 0x20), file);
                String soname = null;
                List<String> needed = new ArrayList<>();
                for (int e = 0; e + 16 <= dyn.limit(); e += 16) {
                    long tag = dyn.getLong(e);
                    if (tag == DT_NULL) {
                        break;
                    }
                    if (tag == DT_NEEDED) {
                        needed.add(string(strtab, dyn.getLong(e + 8)));
                    } else if (tag == DT_SONAME) {
                        soname = string(strtab, dyn.getLong(e + 8));
                    }
                }
                return new ElfInfo(soname, List.copyOf(needed));
            }
            throw new IOException(file + ": no dynamic section (not a shared library)");
        }
    }

    private static ByteBuffer read(FileChannel ch, long offset, long length, Path file) throws IOException {
        if (offset < 0 || length < 0 || length > Integer.MAX_VALUE || offset + length > ch.size()) {
            throw new IOException(file + ": ELF structure at offset " + offset + " (+" + length + ") past the end of"
                    + " the file (" + ch.size() + " bytes)");
        }
        ByteBuffer b = ByteBuffer.allocate((int) length).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, offset + b.position()) < 0) {
                throw new IOException(file + ": truncated at offset " + (offset + b.position()));
            }
        }
        return b.flip();
    }

    private static String string(ByteBuffer strtab, long offset) {
        int start = (int) offset;
        int end = start;
        while (end < strtab.limit() && strtab.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - start];
        strtab.get(start, bytes);
        return new String(bytes, java.nio.charset.StandardCharsets.US_ASCII);
    }
}
