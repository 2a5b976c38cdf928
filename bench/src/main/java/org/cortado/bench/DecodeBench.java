package org.cortado.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.cortado.image.BgrImage;
import org.cortado.image.ImageDecodeException;
import org.cortado.image.ImageDecoder;
import org.cortado.image.ImageTransformer;
import org.cortado.image.ResizeMode;
import org.cortado.image.TransformSpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decoding the 398 files of {@code hymenoptera} (train and val) on one thread, by the JPEG decoder that
 * {@link ImageDecoder#decode} uses ({@code native}: libjpeg-turbo through JNI where it loads) and by ImageIO
 * ({@code imageio}), alone and followed by the transform of {@link ExtractBench} (bilinear resize to 227x227, mean
 * subtraction, planar floats). One call is one pass over the set; the files stay in the page cache after the warm-up.
 * The OpenCV peer is {@code cv2.imread} over the same files on one thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
public class DecodeBench {
    @Param({"native", "imageio"})
    public String decoder;

    private List<Path> files;
    private ImageTransformer transformer;

    @Setup
    public void setUp() throws IOException {
        Path root = Nets.require(Nets.shared().resolve("data/hymenoptera"));
        try (Stream<Path> s = Files.walk(root)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        if (decoder.equals("native") && !ImageDecoder.jpegDecoder().startsWith("libjpeg-turbo")) {
            throw new IllegalStateException("no native JPEG decoder to measure: " + ImageDecoder.jpegDecoder());
        }
        transformer = new ImageTransformer(TransformSpec.of(new ResizeMode.Fixed(Nets.INPUT_SIZE, Nets.INPUT_SIZE),
                0, ExtractBench.MEAN_BGR));
    }

    private BgrImage decode(Path f) throws ImageDecodeException {
        return decoder.equals("native") ? ImageDecoder.decode(f) : ImageDecoder.decodeWithImageIO(f);
    }

    /** Bytes decoded, so that nothing is dead code. */
    @Benchmark
    public long decode() {
        long bytes = 0;
        for (Path f : files) {
            try {
                bytes += decode(f).pixels().length;
            } catch (ImageDecodeException e) {
                throw new UncheckedIOException(new IOException(e.getMessage(), e));
            }
        }
        return bytes;
    }

    /** The sum of the first value of every transformed image. */
    @Benchmark
    public double decodeTransform() {
        double sum = 0;
        for (Path f : files) {
            try {
                sum += transformer.apply(decode(f), 0)[0];
            } catch (ImageDecodeException e) {
                throw new UncheckedIOException(new IOException(e.getMessage(), e));
            }
        }
        return sum;
    }
}
