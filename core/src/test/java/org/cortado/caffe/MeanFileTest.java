package org.cortado.caffe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cortado.caffe.proto.Caffe.BlobProto;
import org.cortado.caffe.proto.Caffe.BlobShape;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MeanFileTest {
    @TempDir
    Path tmp;

    @Test
    void roundTripsAsCaffesComputeImageMeanWritesIt() throws IOException {
        float[] values = new float[3 * 4 * 5];
        for (int i = 0; i < values.length; i++) {
            values[i] = 100 + i * 0.25f;
        }
        Path file = tmp.resolve("mean.binaryproto");
        MeanFile.write(file, Tensor.wrap(Shape.of(1, 3, 4, 5), values));

        BlobProto written = BlobProto.parseFrom(Files.readAllBytes(file));
        assertEquals(1, written.getNum());
        assertEquals(3, written.getChannels());
        assertEquals(4, written.getHeight());
        assertEquals(5, written.getWidth());

        Tensor mean = MeanFile.read(file);
        assertEquals(Shape.of(3, 4, 5), mean.shape());
        assertArrayEquals(values, mean.hostData());
    }

    @Test
    void readsShapedAndDoubleBlobs() throws IOException {
        Path chw = write(BlobProto.newBuilder().setShape(BlobShape.newBuilder().addDim(2).addDim(1).addDim(2))
                .addData(1).addData(2).addData(3).addData(4).build());
        assertEquals(Shape.of(2, 1, 2), MeanFile.read(chw).shape());

        Path doubles = write(BlobProto.newBuilder().setShape(BlobShape.newBuilder().addDim(1).addDim(1).addDim(1)
                .addDim(2)).addDoubleData(0.5).addDoubleData(104.25).build());
        assertArrayEquals(new float[] {0.5f, 104.25f}, MeanFile.read(doubles).hostData());
    }

    @Test
    void badMeanFilesAreNamedWithWhatIsWrong() throws IOException {
        assertMessage(tmp.resolve("none.binaryproto"), "none.binaryproto: no such file");
        assertMessage(write(BlobProto.newBuilder().setNum(2).setChannels(3).setHeight(1).setWidth(1).build()),
                "mean blob has dimensions [2, 3, 1, 1]; expected (1, C, H, W) or (C, H, W)");
        assertMessage(write(BlobProto.newBuilder().setNum(1).setChannels(3).setHeight(2).setWidth(2).addData(1).build()),
                "mean blob of shape (3, 2, 2) needs 12 values but holds 1");
        Path empty = tmp.resolve("empty.binaryproto");
        Files.write(empty, new byte[0]);
        assertMessage(empty, "empty file");
        Path garbage = tmp.resolve("garbage.binaryproto");
        Files.write(garbage, new byte[] {(byte) 0xFF, (byte) 0xFF, 0x12});
        assertMessage(garbage, "not a BlobProto mean image");
    }

    @Test
    void writeRefusesAShapeThatIsNotAnImage() {
        assertThrows(IllegalArgumentException.class,
                () -> MeanFile.write(tmp.resolve("m"), Tensor.zeros(Shape.of(2, 3, 4, 5))));
    }

    private Path write(BlobProto blob) throws IOException {
        Path file = Files.createTempFile(tmp, "mean", ".binaryproto");
        Files.write(file, blob.toByteArray());
        return file;
    }

    private static void assertMessage(Path file, String part) {
        CaffeFormatException e = assertThrows(CaffeFormatException.class, () -> MeanFile.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains(part), e.getMessage());
    }
}
