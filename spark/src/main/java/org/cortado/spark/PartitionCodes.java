package org.cortado.spark;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.cortado.data.Batch;
import org.cortado.data.BatchLoader;
import org.cortado.data.DecodeWarning;
import org.cortado.data.LabeledImage;
import org.cortado.data.LoaderOptions;
import org.cortado.data.StoredImage;
import org.cortado.image.ImageTransformer;

/**
 * The codes of one partition's rows: rows are taken a few batches at a time, decoded by a {@link BatchLoader} (as
 * the CLI decodes files: same decoders, same transform, same reasons for a row that gives no code), run through this
 * executor's net ({@link ExecutorNets}), and given back in input order with three columns added: the code (an MLlib
 * dense vector), the reason it is missing (null when there is a code) and the decoder's warning for an image used
 * despite damage (null for a clean one). A row that cannot be decoded never fails the task.
 */
final class PartitionCodes implements FlatMapFunction<Iterator<Row>, Row> {
    private static final long serialVersionUID = 1L;
    /** Batches decoded per loader: enough for decoding to run ahead of the net, little memory held. */
    private static final int BATCHES_PER_CHUNK = 4;

    private final CodeSettings settings;
    private final InputColumns input;

    PartitionCodes(CodeSettings settings, InputColumns input) {
        this.settings = settings;
        this.input = input;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        return new Iterator<>() {
            private final Deque<Row> ready = new ArrayDeque<>();

            @Override
            public boolean hasNext() {
                while (ready.isEmpty() && rows.hasNext()) {
                    List<Row> chunk = new ArrayList<>();
                    int limit = settings.batchSize() * BATCHES_PER_CHUNK;
                    while (chunk.size() < limit && rows.hasNext()) {
                        chunk.add(rows.next());
                    }
                    ready.addAll(codes(chunk));
                }
                return !ready.isEmpty();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return ready.poll();
            }
        };
    }

    /** The rows of {@code chunk} with their codes and reasons, in order. */
    private List<Row> codes(List<Row> chunk) {
        ExecutorNets.Loaded net = ExecutorNets.get(settings);
        List<LabeledImage> images = new ArrayList<>(chunk.size());
        String[] reasons = new String[chunk.size()];
        for (int i = 0; i < chunk.size(); i++) {
            Row row = chunk.get(i);
            StoredImage stored = input.image(row, settings.maxPixels());
            if (stored == null) {
                reasons[i] = input.missingReason(row);
            }
            // A row without an image still takes a place, so that positions map back; its bytes decode to nothing.
            images.add(new LabeledImage(Path.of(input.name(row)), 0,
                    stored != null ? stored : InputColumns.NOTHING));
        }
        float[][] codes = new float[chunk.size()][];
        String[] warnings = new String[chunk.size()];
        LoaderOptions loading = LoaderOptions.of(settings.batchSize(), settings.threads())
                .withPixelMode(net.net().takesPixels());
        try (BatchLoader loader = new BatchLoader(images, new ImageTransformer(net.net().input().loaderTransform()),
                loading)) {
            int seen = 0;
            while (loader.hasNext()) {
                Batch b = loader.next();
                float[][] rows = net.codes(b);
                boolean[] used = new boolean[chunk.size()];
                for (int i = 0; i < b.size(); i++) {
                    int at = b.sampleIndices()[i];
                    codes[at] = rows[i];
                    used[at] = true;
                }
                for (DecodeWarning w : b.warnings()) {
                    warnings[warningAt(images, w, seen)] = w.reason();
                }
                // The batch covers the next (used + skipped) positions; those without a code are its skipped ones,
                // in the same order.
                int span = b.size() + b.skipped().size();
                int s = 0;
                for (int at = seen; at < seen + span; at++) {
                    if (!used[at]) {
                        if (reasons[at] == null) {
                            reasons[at] = b.skipped().get(s).reason();
                        }
                        s++;
                    }
                }
                seen += span;
            }
        }
        List<Row> out = new ArrayList<>(chunk.size());
        for (int i = 0; i < chunk.size(); i++) {
            Object[] values = Arrays.copyOf(InputColumns.values(chunk.get(i)), chunk.get(i).size() + 3);
            values[values.length - 3] = codes[i] == null ? null : Vectors.dense(toDouble(codes[i]));
            values[values.length - 2] = codes[i] == null ? reasons[i] : null;
            values[values.length - 1] = codes[i] == null ? null : warnings[i];
            out.add(RowFactory.create(values));
        }
        return out;
    }

    /** The position, from {@code from} on, of the image that warning {@code w} names (a batch's images in order). */
    private static int warningAt(List<LabeledImage> images, DecodeWarning w, int from) {
        for (int at = from; at < images.size(); at++) {
            if (images.get(at).file().equals(w.file())) {
                return at;
            }
        }
        throw new IllegalStateException("a decoder warning for " + w.file() + ", not in this batch");
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}
