package org.cortado.cli;

import org.cortado.data.DataSource;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads a data-source option ({@code --train}, {@code --val}, {@code --data}): a folder of class folders, a Caffe
 * ImageData list file, an LMDB folder, an HDF5 file, or the explicit {@code folders:DIR}, {@code list:FILE[,root=DIR]},
 * {@code lmdb:DIR}, {@code hdf5:LIST[,data=NAME,label=NAME]} ({@link DataSource#parse}). A command adopts it with
 * {@code @Option(names = "--train", converter = DataSourceConverter.class) DataSource train;} and lists the images
 * with {@code train.open(null)} (a validation set: {@code val.open(trainSet.classes())}).
 */
final class DataSourceConverter implements ITypeConverter<DataSource> {
    /** The forms a source option takes, for option descriptions. */
    static final String FORMS = "a folder with one subfolder per class, a Caffe list file ('path label' lines; "
            + "list:FILE,root=DIR to prefix a folder), an LMDB of Caffe Datums (a folder holding data.mdb; "
            + "lmdb:DIR), or HDF5 rows that are the net's input as stored (hdf5:LIST of .h5 files, or FILE.h5; "
            + ",data=NAME,label=NAME for other datasets than data and label; no preprocessing options)";

    @Override
    public DataSource convert(String value) {
        try {
            return DataSource.parse(value);
        } catch (IllegalArgumentException e) {
            // picocli prints this message as it is after the option's name, instead of wrapping the exception.
            throw new TypeConversionException(e.getMessage());
        }
    }
}
