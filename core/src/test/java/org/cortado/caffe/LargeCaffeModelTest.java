package org.cortado.caffe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real nets' sizes: the heap a load needs, and how long a load takes. */
@Tag("slow")
class LargeCaffeModelTest {
    /** The heap allowed, as a multiple of the file's size: the floats themselves plus a little. */
    private static final double HEAP_PER_FILE_BYTE = 1.6;
    /** OpenCV reads AlexNet's 244 MB in 0.36 s; allow a loaded two-core machine some slack. */
    private static final double ALEXNET_READ_LIMIT_S = 2.0;

    @TempDir
    Path tmp;

    /** Writes and reads back a 600 MB model in JVMs whose heap is 1.6x the file: a copying reader would run out. */
    @Test
    void aSixHundredMegabyteModelLoadsInAHeapOfOnePointSixTimesItsSize() throws Exception {
        Path file = tmp.resolve("vgg16plus.caffemodel");
        long values = SyntheticModels.count(SyntheticModels.VGG16_PLUS);
        long heapMb = (long) (HEAP_PER_FILE_BYTE * 4 * values) >> 20;

        String wrote = runProbe(heapMb, "write", file);
        long size = Files.size(file);
        assertTrue(size > 590_000_000L, "file of " + size + " bytes");
        String read = runProbe(heapMb, "read", file);
        System.out.printf("%d MB caffemodel with -Xmx%dm: %s; %s%n", size >> 20, heapMb, wrote, read);
        assertTrue(read.startsWith("read " + values + " values"), read);
    }

    @Test
    void anAlexNetSizedModelReadsWellUnderASecond() {
        Path file = tmp.resolve("alexnet.caffemodel");
        long values = SyntheticModels.write(file, SyntheticModels.ALEXNET);
        assertEquals(values, SyntheticModels.readAndCheck(file, SyntheticModels.ALEXNET));
        double best = Double.MAX_VALUE;
        for (int run = 0; run < 5; run++) {
            long start = System.nanoTime();
            CaffeWeights w = CaffeModelReader.read(file);
            double seconds = (System.nanoTime() - start) / 1e9;
            best = Math.min(best, seconds);
            System.out.printf("read %s (%.1f MB, %d layers) in %.3f s%n", file.getFileName(),
                    file.toFile().length() / 1e6, w.layers().size(), seconds);
        }
        assertTrue(best < ALEXNET_READ_LIMIT_S, "best read took " + best + " s");
    }

    private static String runProbe(long heapMb, String mode, Path file) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Xmx" + heapMb + "m", "-cp",
                System.getProperty("java.class.path"), SyntheticModels.class.getName(), mode, file.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor(), mode + " in -Xmx" + heapMb + "m failed: " + out);
        return out;
    }
}
