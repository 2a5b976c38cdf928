package org.cortado.caffe;

import static org.cortado.testing.HostileFiles.concat;
import static org.cortado.testing.HostileFiles.field;
import static org.cortado.testing.HostileFiles.legacyBlob;
import static org.cortado.testing.HostileFiles.nestedGroups;
import static org.cortado.testing.HostileFiles.varintField;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cortado.testing.HostileFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Caffe files that nest or claim far more than they hold (issue 24): each reader ends in one
 * {@link CaffeFormatException} naming the file and where, before recursing or allocating by the claim.
 */
class HostileCaffeFilesTest {
    @TempDir
    Path tmp;

    @Test
    void nestedGroupsInACaffemodelEndAtTheLimitNamingTheByte() throws IOException {
        Path top = write("groups.caffemodel", nestedGroups(5000));
        assertMessage(() -> CaffeModelReader.read(top), top, "at byte 200:",
                "protobuf groups nested deeper than 100");

        // Inside a layer, the error names the layer too.
        byte[] layer = concat(field(1, "conv1".getBytes(StandardCharsets.UTF_8)), nestedGroups(5000));
        Path inLayer = write("layer.caffemodel", field(100, layer));
        assertMessage(() -> CaffeModelReader.read(inLayer), inLayer, "in layer 'conv1' (#0)",
                "nested deeper than 100");
    }

    @Test
    void groupsNestedAsDeeplyAsProtobufAllowsAreSkipped() throws IOException {
        byte[] named = field(1, "net".getBytes(StandardCharsets.UTF_8));
        Path file = write("ok.caffemodel", concat(named, nestedGroups(WireInput.MAX_NESTING)));
        assertEquals("net", CaffeModelReader.read(file).netName());
        Path over = write("over.caffemodel", concat(named, nestedGroups(WireInput.MAX_NESTING + 1)));
        assertMessage(() -> CaffeModelReader.read(over), over, "nested deeper than 100");
    }

    @Test
    void aBlobWhoseValuesRunPastTheFileIsTruncationNotAnAllocation() throws IOException {
        // Dimensions (1000, 1000, 1000) and a packed data field claiming 1.9 GB, in a file of a few dozen bytes.
        byte[] shape = field(1, new byte[] {(byte) 0xE8, 0x07, (byte) 0xE8, 0x07, (byte) 0xE8, 0x07});
        byte[] header = concat(field(7, shape), new byte[] {0x2A, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
            0x07});
        byte[] layer = concat(field(1, "fc".getBytes(StandardCharsets.UTF_8)), field(7, header));
        Path file = write("past.caffemodel", field(100, layer));
        assertMessage(() -> CaffeModelReader.read(file), file, "in layer 'fc' (#0), blob 0",
                "truncated: a field of 1879048192 bytes runs past the end of the file");
    }

    @Test
    void aBlobWhoseDimensionsClaimMoreThanItsValuesIsRefusedBeforeAllocating() throws IOException {
        byte[] layer = concat(field(1, "fc".getBytes(StandardCharsets.UTF_8)),
                field(7, legacyBlob(1, 1, 40000, 40000)));
        Path file = write("claims.caffemodel", field(100, layer));
        assertMessage(() -> CaffeModelReader.read(file), file,
                "blob of shape (1, 1, 40000, 40000) needs 1600000000 values but holds 0");

        byte[] wide = concat(field(1, "fc".getBytes(StandardCharsets.UTF_8)),
                field(7, legacyBlob(1, 2000000000, 9216, 1)));
        Path overflow = write("wide.caffemodel", field(100, wide));
        assertMessage(() -> CaffeModelReader.read(overflow), overflow, "more than 2^31-1 values");
    }

    @Test
    void aShapeOfMoreAxesThanCaffeAllowsIsRefused() throws IOException {
        byte[] dims = new byte[33];
        java.util.Arrays.fill(dims, (byte) 1);
        Path file = write("axes.caffemodel", field(100, field(7, field(7, field(1, dims)))));
        assertMessage(() -> CaffeModelReader.read(file), file, "more than 32 dimensions");
    }

    @Test
    void moreLayersThanAnyNetIsRefusedInsteadOfFillingTheHeap() throws IOException {
        // An empty layer is two bytes of file and some hundred bytes of heap.
        byte[] empty = field(100, new byte[0]);
        byte[] bytes = new byte[empty.length * (CaffeModelReader.MAX_LAYERS + 1)];
        for (int i = 0; i < CaffeModelReader.MAX_LAYERS + 1; i++) {
            System.arraycopy(empty, 0, bytes, i * empty.length, empty.length);
        }
        Path file = write("layers.caffemodel", bytes);
        assertMessage(() -> CaffeModelReader.read(file), file, "more than 100000 layers in one file");
    }

    @Test
    void deeplyNestedPrototxtIsOneErrorWithLineAndColumn() throws IOException {
        Path file = tmp.resolve("deep.prototxt");
        Files.writeString(file, HostileFiles.deepPrototxt(100_000));
        assertMessage(() -> Prototxt.readNet(file), file, ":1:807:", "messages nested deeper than 100 levels");
    }

    @Test
    void aHugePrototxtIsRefusedBeforeItIsRead() throws IOException {
        Path file = tmp.resolve("huge.prototxt");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(Prototxt.MAX_BYTES + 1);  // sparse: costs no disk
        }
        assertMessage(() -> Prototxt.readNet(file), file, "67.1 MB is too large for a prototxt");
    }

    @Test
    void meanFilesThatNestOrClaimTooMuchAreNamed() throws IOException {
        Path nested = write("nested.binaryproto", nestedGroups(100_000));
        assertMessage(() -> MeanFile.read(nested), nested, "not a BlobProto mean image: at byte ",
                "nested deeper than protobuf's limit of 100");

        Path huge = write("huge.binaryproto", legacyBlob(1, 3, 100_000, 100_000));
        assertMessage(() -> MeanFile.read(huge), huge,
                "mean blob of shape (3, 100000, 100000) needs 30000000000 values but holds 0");
        Path shaped = write("shaped.binaryproto", concat(field(7, concat(varintField(1, 3),
                varintField(1, 1L << 40), varintField(1, 1L << 40)))));
        assertMessage(() -> MeanFile.read(shaped), shaped, "mean blob has dimensions [3, 1099511627776, "
                + "1099511627776]");
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(tmp.resolve(name), bytes);
    }

    private static void assertMessage(Executable read, Path file, String... parts) {
        CaffeFormatException e = assertThrows(CaffeFormatException.class, read);
        String m = e.getMessage();
        assertTrue(m.startsWith(file.toString()), m);
        assertTrue(m.length() < 400 && !m.contains("\n"), "one short line: " + m);
        for (String part : parts) {
            assertTrue(m.contains(part), "'" + part + "' missing from: " + m);
        }
    }
}
