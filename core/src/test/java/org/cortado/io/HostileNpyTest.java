package org.cortado.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cortado.tensor.Shape;
import org.cortado.testing.HostileFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** .npy files whose headers nest or claim too much (issue 24): one short error, no recursion past the limit. */
class HostileNpyTest {
    @TempDir
    Path tmp;

    @Test
    void aHeaderOfNestedBracketsIsOneShortError() throws IOException {
        Path file = Files.write(tmp.resolve("nested.npy"), HostileFiles.nestedNpy(20_000));
        String m = assertThrows(NpyFormatException.class, () -> Npy.read(file)).getMessage();
        assertTrue(m.startsWith(file + ": bad .npy header at character "), m);
        assertTrue(m.contains("brackets nested deeper than 100"), m);
        assertTrue(m.length() < 400 && m.contains("... (40053 characters)"), "the header is quoted short: " + m);
    }

    @Test
    void nestingUpToTheLimitParses() {
        // The dict is one level, so 99 lists fit: the shape is then a list, which a float array's shape is not.
        String ok = "{'descr': '<f4', 'fortran_order': False, 'shape': " + "[".repeat(99) + "]".repeat(99) + "}";
        String m = assertThrows(NpyFormatException.class, () -> NpyHeader.parse(Path.of("x.npy"), ok)).getMessage();
        assertTrue(m.contains("bad shape"), m);
        String over = ok.replace("[[", "[[[").replace("]]", "]]]");
        assertTrue(assertThrows(NpyFormatException.class, () -> NpyHeader.parse(Path.of("x.npy"), over))
                .getMessage().contains("nested deeper than 100"));
        assertEquals(Shape.of(2, 3).rank(), NpyHeader.parse(Path.of("x.npy"),
                "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }").shape().length);
    }

    @Test
    void aHeaderLongerThanNumPyWouldWriteIsRefused() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(12 + (int) Npy.MAX_HEADER_BYTES + 1).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0}).putInt((int) Npy.MAX_HEADER_BYTES + 1);
        Path file = Files.write(tmp.resolve("long.npy"), b.array());
        String m = assertThrows(NpyFormatException.class, () -> Npy.read(file)).getMessage();
        assertTrue(m.contains("header length 65537 is not plausible"), m);
    }

    @Test
    void aShapeBeyondOneTensorIsRefusedBeforeReadingData() throws IOException {
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2000000000, 9216), }";
        header += " ".repeat((64 - (10 + header.length() + 1) % 64) % 64) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length()).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length());
        b.put(header.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        Path file = Files.write(tmp.resolve("wide.npy"), b.array());
        String m = assertThrows(NpyFormatException.class, () -> Npy.read(file)).getMessage();
        assertTrue(m.contains("(2000000000, 9216) has more than 2^31-1 values"), m);
    }
}
