package org.cortado.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.cortado.caffe.CaffeFormatException;
import org.cortado.caffe.Prototxt;
import org.cortado.caffe.proto.Caffe.DataParameter;
import org.cortado.caffe.proto.Caffe.ImageDataParameter;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.image.ResizeMode;
import org.cortado.image.TransformSpec;
import org.cortado.layers.Phase;

/**
 * The data layers of a Caffe train_val prototxt as data sources: a {@code Data} layer's LMDB
 * ({@code data_param.source}), an {@code ImageData} layer's list file ({@code image_data_param}: {@code source},
 * {@code root_folder}, {@code new_height}/{@code new_width}), each with its {@code transform_param} and
 * {@code batch_size}, and an {@code HDF5Data} layer's list of HDF5 files ({@code hdf5_data_param}), whose rows go to
 * the net as they are (Caffe refuses a transform_param there, and so does this). As in Caffe, a Data layer's images are used at their stored size and an ImageData layer's are
 * resized to {@code new_height x new_width} when both are given; {@code resizeOverride} (the command line's
 * {@code --resize}) replaces either. A relative {@code source}, {@code root_folder} or {@code mean_file} is looked for
 * from the working directory, as Caffe does, and then beside the prototxt.
 */
public final class CaffeDataLayers {
    private static final Set<String> TYPES = Set.of("Data", "ImageData", "HDF5Data");

    private CaffeDataLayers() {
    }

    /**
     * A data layer of a train_val.
     *
     * @param layer     its name
     * @param source    where its images come from
     * @param transform its {@code transform_param} (random crop and mirror as Caffe's phase makes them)
     * @param batchSize its {@code batch_size}
     */
    public record DataLayer(String layer, DataSource source, TransformSpec transform, int batchSize) {
    }

    /** Whether {@code trainVal} has a data layer (Data, ImageData, HDF5Data, ...) that reads a source. */
    public static boolean hasDataLayers(Path trainVal) {
        for (LayerParameter l : Prototxt.readNet(trainVal).getLayerList()) {
            if (l.hasDataParam() || l.hasImageDataParam() || l.hasHdf5DataParam()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The data layer of {@code trainVal} that runs in {@code phase}; TEST's transform is deterministic.
     *
     * @param resizeOverride   a resize to use instead of the layer's, or null
     * @param meanFileOverride a mean image to use instead of the layer's {@code mean_file}, or null
     * @throws CaffeFormatException naming the prototxt and layer when there is no such layer or it is unusable
     */
    public static DataLayer read(Path trainVal, Phase phase, ResizeMode resizeOverride, Path meanFileOverride) {
        NetParameter net = Prototxt.readNet(trainVal);
        Path baseDir = trainVal.toAbsolutePath().getParent();
        List<String> seen = new ArrayList<>();
        for (LayerParameter l : net.getLayerList()) {
            boolean dataLayer = TYPES.contains(l.getType()) || l.hasHdf5DataParam();
            if (!dataLayer) {
                continue;
            }
            seen.add(l.getName() + " (" + l.getType() + ")");
            if (!CaffeTransforms.runsIn(l, phase)) {
                continue;
            }
            String where = trainVal + ": layer '" + l.getName() + "' (" + l.getType() + ")";
            DataLayer d = switch (l.getType()) {
                case "Data" -> dataLayer(l, baseDir, resizeOverride, meanFileOverride, where);
                case "ImageData" -> imageDataLayer(l, baseDir, resizeOverride, meanFileOverride, where);
                case "HDF5Data" -> hdf5DataLayer(l, baseDir, resizeOverride, meanFileOverride, where);
                default -> throw new CaffeFormatException(where + ": " + l.getType() + " layers are not read here; "
                        + "Data (LMDB), ImageData (list file) and HDF5Data layers are");
            };
            return phase == Phase.TRAIN ? d
                    : new DataLayer(d.layer(), d.source(), d.transform().deterministic(), d.batchSize());
        }
        throw new CaffeFormatException(trainVal + ": no data layer runs in phase " + phase
                + (seen.isEmpty() ? " (the net has none)" : "; data layers: " + seen));
    }

    private static DataLayer dataLayer(LayerParameter l, Path baseDir, ResizeMode resizeOverride,
                                       Path meanFileOverride, String where) {
        DataParameter p = l.getDataParam();
        if (p.hasCropSize() || p.hasMeanFile() || p.hasMirror() || p.hasScale()) {
            throw new CaffeFormatException(where + ": data_param holds crop_size/mean_file/mirror/scale; move them into"
                    + " transform_param, as Caffe's upgrade_net_proto_text does");
        }
        Path source = locate(p.getSource(), baseDir, where, "source");
        if (!LmdbImages.isLmdb(source)) {
            throw new CaffeFormatException(where + ": source '" + p.getSource() + "' is not an LMDB folder (no "
                    + LmdbImages.DATA_FILE + " in " + source + ")" + (p.getBackend() == DataParameter.DB.LEVELDB
                    ? "; LevelDB databases are not read, convert them to LMDB" : ""));
        }
        ResizeMode resize = resizeOverride != null ? resizeOverride : new ResizeMode.None();
        TransformSpec spec = CaffeTransforms.fromTransformParam(l.getTransformParam(), resize, baseDir,
                meanFileOverride, where);
        return new DataLayer(l.getName(), new DataSource.Lmdb(source), spec, batch(p.getBatchSize(), where));
    }

    private static DataLayer imageDataLayer(LayerParameter l, Path baseDir, ResizeMode resizeOverride,
                                            Path meanFileOverride, String where) {
        ImageDataParameter p = l.getImageDataParam();
        if (p.hasCropSize() || p.hasMeanFile() || p.hasMirror() || p.hasScale()) {
            throw new CaffeFormatException(where + ": image_data_param holds crop_size/mean_file/mirror/scale; move them"
                    + " into transform_param, as Caffe's upgrade_net_proto_text does");
        }
        if (!p.getIsColor()) {
            throw new CaffeFormatException(where + ": is_color: false gives one-channel images; nets here take BGR");
        }
        if ((p.getNewHeight() == 0) != (p.getNewWidth() == 0)) {
            throw new CaffeFormatException(where + ": new_height and new_width must be set together (Caffe's check)");
        }
        Path list = locate(p.getSource(), baseDir, where, "source");
        String root = p.getRootFolder();
        if (!root.isEmpty() && !Path.of(root).isAbsolute() && !Files.isDirectory(Path.of(root))
                && baseDir != null && Files.isDirectory(baseDir.resolve(root))) {
            root = baseDir.resolve(root) + (root.endsWith("/") ? "/" : "");
        }
        ResizeMode resize = resizeOverride != null ? resizeOverride
                : p.getNewHeight() > 0 ? new ResizeMode.Fixed(p.getNewHeight(), p.getNewWidth())
                : new ResizeMode.None();
        TransformSpec spec = CaffeTransforms.fromTransformParam(l.getTransformParam(), resize, baseDir,
                meanFileOverride, where);
        return new DataLayer(l.getName(), new DataSource.ListFile(list, root), spec, batch(p.getBatchSize(), where));
    }

    private static DataLayer hdf5DataLayer(LayerParameter l, Path baseDir, ResizeMode resizeOverride,
                                           Path meanFileOverride, String where) {
        if (l.hasTransformParam()) {
            throw new CaffeFormatException(where + ": HDF5Data does not transform data (Caffe refuses a "
                    + "transform_param here); store the rows as the net takes them");
        }
        if (resizeOverride != null || meanFileOverride != null) {
            throw new CaffeFormatException(where + ": HDF5Data rows go to the net as stored; --resize, "
                    + "--resize-shorter and --mean-file do not apply to them");
        }
        if (l.getTopCount() != 2) {
            throw new CaffeFormatException(where + ": has " + l.getTopCount() + " top(s) " + l.getTopList()
                    + "; fine-tuning reads two, the input and its label (e.g. top: \"data\" top: \"label\")");
        }
        var p = l.getHdf5DataParam();
        Path list = locate(p.getSource(), baseDir, where, "source");
        // No resize, no crop, no mean, scale 1: the loader puts HDF5 rows in the batch without a transform anyway.
        TransformSpec none = new TransformSpec(new ResizeMode.None(), 0, 0, false, false, new float[0], null, 1f);
        return new DataLayer(l.getName(), new DataSource.Hdf5(list, l.getTop(0), l.getTop(1)), none,
                batch(p.getBatchSize(), where));
    }

    private static int batch(int batchSize, String where) {
        if (batchSize < 1) {
            throw new CaffeFormatException(where + ": batch_size must be positive, got " + batchSize);
        }
        return batchSize;
    }

    /** {@code given} from the working directory, else beside the prototxt. */
    private static Path locate(String given, Path baseDir, String where, String field) {
        if (given.isEmpty()) {
            throw new CaffeFormatException(where + ": no " + field);
        }
        Path p = Path.of(given);
        if (Files.exists(p) || p.isAbsolute() || baseDir == null) {
            if (!Files.exists(p)) {
                throw new CaffeFormatException(where + ": " + field + " '" + given + "' not found");
            }
            return p;
        }
        Path beside = baseDir.resolve(given);
        if (!Files.exists(beside)) {
            throw new CaffeFormatException(where + ": " + field + " '" + given + "' not found (looked at "
                    + p.toAbsolutePath() + " and " + beside + ")");
        }
        return beside;
    }
}
