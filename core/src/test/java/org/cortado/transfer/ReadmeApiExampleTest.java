package org.cortado.transfer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.cortado.backend.Backend;
import org.cortado.backend.Backends;
import org.cortado.data.ImageFolders;
import org.cortado.data.TestImages;
import org.cortado.data.TrainValSplit;
import org.cortado.features.FeatureSet;
import org.cortado.heads.Evaluation;
import org.cortado.heads.HeadSpec;
import org.cortado.heads.HeadType;
import org.cortado.heads.TrainedHead;
import org.cortado.image.ResizeMode;
import org.cortado.image.TransformSpec;
import org.cortado.testing.TinyNet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** README.md's "Java API" example on the tiny net and striped images, so that the README stays true. */
class ReadmeApiExampleTest {
    @TempDir
    Path dir;

    @Test
    void theReadmeExampleRuns() {
        TinyNet.Files tiny = TinyNet.write(dir, 1);
        TestImages.stripeFolders(dir.resolve("train"), 4, 0);
        TestImages.stripeFolders(dir.resolve("val"), 3, 10);
        Path deploy = tiny.deploy();
        Path caffemodel = tiny.caffemodel();
        Path trainDir = dir.resolve("train");
        Path valDir = dir.resolve("val");
        Path out = dir;

        // --- README.md's lines, with the tiny net's sizes (14x14, 12) and code layer (conv2)
        try (Backend backend = Backends.select("auto")) {
            TransformSpec transform = TransformSpec.of(new ResizeMode.Fixed(14, 14), 12, 104, 117, 123);
            CodeNet net = CodeNet.load(deploy, caffemodel, CodeSpec.of("conv2"),        // load and truncate
                    new InputRecipe(transform, false), backend);                         // true: 10 crops, averaged
            TrainValSplit data = ImageFolders.trainVal(trainDir, valDir);
            FeatureSet train = net.extract(data.train(), out.resolve("train.npy"));     // codes (resumable)
            FeatureSet val = net.extract(data.val(), out.resolve("val.npy"));
            TrainedHead head = TrainedHead.fit(HeadSpec.defaults(HeadType.SVM), train); // C = 1, standardised
            Evaluation ev = head.evaluate(val);
            System.out.printf("val accuracy %.3f%n", ev.accuracy());
            HeadExport.write(net, head, train.classes(), out.resolve("export"));        // deploy.prototxt + caffemodel
        }
        // ---

        assertTrue(Files.isRegularFile(dir.resolve("export").resolve(HeadExport.CAFFEMODEL)));
        assertTrue(Files.isRegularFile(dir.resolve("val.json")));
    }
}
