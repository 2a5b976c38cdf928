package org.cortado.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.cortado.data.DataSource;
import org.cortado.data.ImageDataset;
import org.cortado.data.ImageList;
import org.cortado.data.LmdbImageWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cortado convert-imageset}: Caffe's convert_imageset from this engine: a data set's images into an LMDB of
 * {@code Datum}s (the files' bytes with {@code --encoded}, else their pixels, resized with {@code --resize}), and/or a
 * Caffe list file of them ({@code path label} lines), so that a train_val's Data or ImageData layer can name them.
 */
@Command(name = "convert-imageset", mixinStandardHelpOptions = true,
        description = "Write a data set's images as an LMDB of Caffe Datums (as Caffe's convert_imageset: keys"
                + " %%08d_NAME, in the data set's order) and/or as a Caffe list file ('path label' lines).")
final class ConvertImagesetCommand implements Callable<Integer> {
    @Option(names = "--images", required = true, paramLabel = "SOURCE", converter = DataSourceConverter.class,
            description = "The images: " + DataSourceConverter.FORMS + ".")
    DataSource images;

    @Option(names = "--lmdb", paramLabel = "DIR", description = "Write an LMDB folder here (it must not exist).")
    Path lmdb;

    @Option(names = "--list", paramLabel = "FILE",
            description = "Write a list file here: paths relative to --root, labels the class indices.")
    Path list;

    @Option(names = "--root", paramLabel = "DIR",
            description = "The folder that names (LMDB keys, list paths) are relative to. Default: the image"
                    + " folders' root, else names as they are.")
    Path root;

    @Option(names = "--encoded", description = "Store each file's bytes (decoded when read), as convert_imageset"
            + " --encoded; default: decoded pixels (3 x H x W, BGR).")
    boolean encoded;

    @Option(names = "--resize", paramLabel = "HxW",
            description = "Resize the pixels to HxW (convert_imageset's --resize_height/--resize_width).")
    String resize;

    @Mixin
    PixelLimitOption pixelLimit;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return pixelLimit.run(this::run);
    }

    private Integer run() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (lmdb == null && list == null) {
            throw new IllegalArgumentException("give --lmdb DIR and/or --list FILE");
        }
        if (images instanceof DataSource.Hdf5 h) {
            throw new IllegalArgumentException("--images " + h.spec() + ": HDF5 rows are the net's input as stored, "
                    + "not images to write as Datums or list lines");
        }
        // The LMDB first: it is the part that may be refused (an existing folder, nothing decodes), and then no list
        // is left behind either.
        int[] size = resize == null ? new int[] {0, 0} : PreprocessOptions.size("--resize", resize);
        LmdbImageWriter.Format format = new LmdbImageWriter.Format(encoded, size[0], size[1]);
        ImageDataset set = images.open(null);
        Path base = root != null ? root : images instanceof DataSource.Folders f ? f.root() : null;
        out.printf("%d images of %d classes (%s)%n", set.size(), set.classes().size(),
                String.join(", ", set.classes()));
        if (lmdb != null) {
            LmdbImageWriter.Result r = LmdbImageWriter.write(lmdb, set.samples(), base, format);
            out.printf("lmdb %s: %d records (%s)%n", lmdb, r.records(), encoded ? "encoded files"
                    : size[0] > 0 ? "pixels resized to " + resize : "pixels");
            CodesCommand.reportSkipped(r.skipped(), out, err, "convert-imageset");
        }
        if (list != null) {
            ImageList.write(list, set, base);
            out.println("list " + list + ": " + set.size() + " lines");
        }
        return 0;
    }
}
