package org.cortado.bench;

import java.nio.file.Path;
import java.util.Locale;
import org.cortado.data.Batch;
import org.cortado.data.BatchLoader;
import org.cortado.data.ImageDataset;
import org.cortado.data.ImageFolders;
import org.cortado.data.LoaderOptions;
import org.cortado.image.ImageDecoder;
import org.cortado.image.ImageTransformer;
import org.cortado.image.ResizeMode;
import org.cortado.image.TransformSpec;

/**
 * Issue 22, goal 4: what the CPU cores alone can feed a GPU from a folder of JPEGs. The loader of
 * {@code cortado codes --device gpu} ({@link BatchLoader} in pixel mode: decode, then resize to 256x256 as 8-bit
 * pixels; the GPU crops and subtracts the mean) over every image of a folder with one subfolder per class, with no
 * net behind it. The first pass warms the page cache and the JIT; the last pass is reported.
 *
 * <p>Usage: {@code JpegDecodeLimit FOLDER [THREADS [BATCH [PASSES]]]} (defaults: all cores, 256, 2). Prints one JSON
 * line: work {@code jpeg_decode_resize}, impl, images, threads, s, img_s, decoder (which JPEG decoder served).
 */
public final class JpegDecodeLimit {
    private JpegDecodeLimit() {
    }

    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: JpegDecodeLimit FOLDER [THREADS [BATCH [PASSES]]]");
            System.exit(2);
        }
        Path root = Path.of(args[0]);
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : Runtime.getRuntime().availableProcessors();
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 256;
        int passes = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        ImageDataset data = ImageFolders.scan(root);
        // The codes command's recipe for AlexNet (resize 256x256, crop 227, Caffe's BGR mean); in pixel mode the
        // loader applies the resize alone.
        ImageTransformer transformer = new ImageTransformer(TransformSpec.of(new ResizeMode.Fixed(256, 256), 227,
                ExtractBench.MEAN_BGR));
        LoaderOptions options = LoaderOptions.of(batch, threads).withPixelMode(true);
        double seconds = 0;
        int images = 0;
        for (int p = 0; p < passes; p++) {
            images = 0;
            long t0 = System.nanoTime();
            try (BatchLoader loader = new BatchLoader(data.samples(), transformer, options)) {
                while (loader.hasNext()) {
                    Batch b = loader.next();
                    images += b.size();
                }
            }
            seconds = (System.nanoTime() - t0) / 1e9;
        }
        if (images == 0) {
            System.err.println("JpegDecodeLimit: no image of " + root + " decoded");
            System.exit(1);
        }
        System.out.println(String.format(Locale.ROOT,
                "{\"work\": \"jpeg_decode_resize\", \"impl\": \"cortado\", \"images\": %d, \"threads\": %d, "
                        + "\"s\": %.3f, \"img_s\": %.1f, \"decoder\": \"%s\"}",
                images, threads, seconds, images / seconds, ImageDecoder.jpegDecoder().replace("\"", "'")));
    }
}
