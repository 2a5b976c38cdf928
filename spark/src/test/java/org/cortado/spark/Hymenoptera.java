package org.cortado.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.fs.Path;
import org.cortado.backend.Backend;
import org.cortado.backend.Backends;
import org.cortado.cli.ModelDefaults;
import org.cortado.data.ImageDataset;
import org.cortado.data.ImageFolders;
import org.cortado.features.FeatureSet;
import org.cortado.testing.SharedData;
import org.cortado.transfer.CodeNet;

/**
 * The ants/bees images with SqueezeNet v1.0's fire9/concat codes, and those codes computed on one machine the way
 * {@code cortado codes} computes them (once per test JVM): the reference the Spark codes are held to.
 */
final class Hymenoptera {
    static final String LAYER = "fire9/concat";
    private static Map<String, float[]> reference;

    private Hymenoptera() {
    }

    static java.nio.file.Path model() {
        return SharedData.require("models/squeezenet_v1.0/deploy.prototxt");
    }

    static java.nio.file.Path weights() {
        return SharedData.require("models/squeezenet_v1.0/squeezenet_v1.0.caffemodel");
    }

    static java.nio.file.Path train() {
        return SharedData.require("data/hymenoptera/train");
    }

    static java.nio.file.Path val() {
        return SharedData.require("data/hymenoptera/val");
    }

    /** Every k-th image of each class folder of {@code root}, linked into {@code into} (made once). */
    static synchronized java.nio.file.Path every(java.nio.file.Path root, int k, java.nio.file.Path into)
            throws IOException {
        if (Files.isDirectory(into)) {
            return into;
        }
        try (Stream<java.nio.file.Path> classes = Files.list(root)) {
            for (java.nio.file.Path c : classes.sorted().toList()) {
                java.nio.file.Path dir = Files.createDirectories(into.resolve(c.getFileName()));
                List<java.nio.file.Path> files;
                try (Stream<java.nio.file.Path> s = Files.list(c)) {
                    files = s.sorted().toList();
                }
                for (int i = 0; i < files.size(); i += k) {
                    Files.createSymbolicLink(dir.resolve(files.get(i).getFileName()), files.get(i).toAbsolutePath());
                }
            }
        }
        return into;
    }

    /** CnnCodes for the reference codes: the known model's preprocessing, fire9/concat. */
    static CnnCodes codes() {
        return new CnnCodes().setModel(model().toString()).setWeights(weights().toString()).setLayer(LAYER);
    }

    /** A file as Spark's binaryFile source names it (a Hadoop path URI: file:/a/b.jpg). */
    static String sparkPath(java.nio.file.Path file) {
        return new Path(file.toAbsolutePath().toUri()).toString();
    }

    /** The single-machine codes of every train and val image, by {@link #sparkPath}. */
    static synchronized Map<String, float[]> reference(java.nio.file.Path tmp) {
        if (reference == null) {
            ModelDefaults d = codes().settings().resolve();
            Map<String, float[]> m = new HashMap<>();
            try (Backend cpu = Backends.select("cpu")) {
                CodeNet net = CodeNet.load(model(), weights(), d.codes(), d.input(), cpu);
                for (java.nio.file.Path root : List.of(train(), val())) {
                    ImageDataset set = ImageFolders.scan(root);
                    FeatureSet f = net.extract(set, tmp.resolve(root.getFileName() + ".npy"));
                    float[][] rows = f.rowArrays();
                    for (int i = 0; i < rows.length; i++) {
                        m.put(sparkPath(java.nio.file.Path.of(f.files().get(i))), rows[i]);
                    }
                }
            }
            reference = m;
        }
        return reference;
    }
}
