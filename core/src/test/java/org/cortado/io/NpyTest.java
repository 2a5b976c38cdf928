package org.cortado.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
    @TempDir
    Path tmp;

    /** Every reference array reads with its manifest's shape, and writing it back gives NumPy's bytes exactly. */
    @Test
    void referenceArraysReadAndRewriteByteForByte() throws IOException {
        int checked = 0;
        for (String model : List.of("squeezenet_v1.0", "caffenet_narrow")) {
            Path dir = SharedData.require("reference/" + model);
            JsonNode manifest = new ObjectMapper().readTree(dir.resolve("manifest.json").toFile());
            for (JsonNode c : manifest.get("cases")) {
                Path caseDir = dir.resolve(c.get("dir").asText());
                Tensor input = Npy.read(caseDir.resolve("input.npy"), 4);
                assertEquals(Shape.of(1, 3, 227, 227), input.shape());
                var outputs = c.get("outputs").fields();
                while (outputs.hasNext()) {
                    JsonNode o = outputs.next().getValue();
                    Path file = caseDir.resolve(o.get("file").asText());
                    Tensor t = Npy.read(file);
                    List<Integer> dims = new ArrayList<>();
                    o.get("shape").forEach(d -> dims.add(d.asInt()));
                    assertEquals(Shape.of(dims.stream().mapToInt(Integer::intValue).toArray()), t.shape(), file.toString());

                    Path copy = tmp.resolve("copy.npy");
                    Npy.write(copy, t);
                    assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(copy), file + " rewritten");
                    checked++;
                }
            }
        }
        assertTrue(checked > 20, checked + " arrays");
    }

    @Test
    void roundTripsAnyRankAndInt32Labels() {
        float[] v = {1.5f, -2, 3, Float.NaN, 0, 6};
        for (Shape s : List.of(Shape.of(6), Shape.of(2, 3), Shape.of(1, 2, 1, 3), Shape.of(1, 1, 1, 1, 2, 3))) {
            Path f = tmp.resolve("a.npy");
            Npy.write(f, Tensor.wrap(s, v.clone()));
            Tensor back = Npy.read(f);
            assertEquals(s, back.shape());
            assertArrayEquals(v, back.hostData());
        }
        Path scalar = tmp.resolve("s.npy");
        Npy.write(scalar, Tensor.wrap(Shape.of(), new float[] {7}));
        assertEquals(Shape.of(), Npy.read(scalar).shape());

        Path labels = tmp.resolve("labels.npy");
        Npy.writeInt32(labels, Shape.of(4), new int[] {0, 1, 1, -3});
        Npy.Int32Array back = Npy.readInt32(labels);
        assertEquals(Shape.of(4), back.shape());
        assertArrayEquals(new int[] {0, 1, 1, -3}, back.data());
    }

    @Test
    void readsFormatVersionsTwoAndThreeAndOtherSpellings() throws IOException {
        float[] v = {1, 2, 3, 4, 5, 6};
        String header = "{\"shape\": (2,3), \"fortran_order\": False, \"descr\": \"<f4\"}";
        for (int major : new int[] {1, 2, 3}) {
            Path f = rawNpy(major, header, floats(v));
            Tensor t = Npy.read(f);
            assertEquals(Shape.of(2, 3), t.shape());
            assertArrayEquals(v, t.hostData());
        }
        // A rank-1 array is the same in Fortran and C order.
        Path fortranVector = rawNpy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (6,), }", floats(v));
        assertArrayEquals(v, Npy.read(fortranVector).hostData());
    }

    @Test
    void wrongDtypeOrderRankAndSizeAreNamed() throws IOException {
        Path f8 = rawNpy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", new byte[8]);
        assertMessage(f8, ": dtype '<f8' (float64); cortado reads float32 ('<f4') arrays");
        Path big = rawNpy(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", new byte[4]);
        assertMessage(big, ": dtype '>f4' (float32, big-endian); cortado reads float32 ('<f4') arrays");
        Path u8 = rawNpy(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (4,), }", new byte[4]);
        assertMessage(u8, "dtype '|u1' (uint8)");
        Path structured = rawNpy(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", new byte[4]);
        assertMessage(structured, "(structured)");
        Path fortran = rawNpy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", new byte[24]);
        assertMessage(fortran, "Fortran-order (column-major) array of shape (2, 3)");
        Path shortData = rawNpy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", new byte[20]);
        assertMessage(shortData, "truncated: array of shape (2, 3) needs 24 bytes of data, the file holds 20");
        Path notNpy = tmp.resolve("image.npy");
        Files.writeString(notNpy, "\u0089PNG\r\n not an array");
        assertMessage(notNpy, "not a .npy file");
        assertMessage(tmp.resolve("missing.npy"), "missing.npy: no such file");
        Path badHeader = rawNpy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3}", new byte[24]);
        assertMessage(badHeader, "bad .npy header");

        Path rank3 = tmp.resolve("chw.npy");
        Npy.write(rank3, Tensor.zeros(Shape.of(3, 227, 227)));
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npy.read(rank3, 4));
        assertEquals(rank3 + ": array of shape (3, 227, 227) has rank 3; expected rank 4 (N, C, H, W)", e.getMessage());

        Path labels = tmp.resolve("labels.npy");
        Npy.writeInt32(labels, Shape.of(2), new int[] {1, 2});
        assertMessage(labels, "dtype '<i4' (int32); cortado reads float32 ('<f4') arrays");
    }

    private static void assertMessage(Path file, String part) {
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npy.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains(part), e.getMessage());
    }

    private static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    /** A .npy file written by hand: magic, version, header length, header, data. */
    private Path rawNpy(int major, String header, byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        byte[] h = (header + "\n").getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        ByteBuffer len = ByteBuffer.allocate(major == 1 ? 2 : 4).order(ByteOrder.LITTLE_ENDIAN);
        if (major == 1) {
            len.putShort((short) h.length);
        } else {
            len.putInt(h.length);
        }
        out.write(len.array());
        out.write(h);
        out.write(data);
        Path f = Files.createTempFile(tmp, "raw", ".npy");
        Files.write(f, out.toByteArray());
        return f;
    }
}
