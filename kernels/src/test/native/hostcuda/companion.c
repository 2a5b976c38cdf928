// libcudnn_ops.so.9 / libcudnn_cnn.so.9 stand-ins (built twice, -DHC_PART=ops / cnn): the sub-libraries cuDNN 9's
// libcudnn.so.9 loads by name at cudnnCreate. They only have to be found: NativeStack preloads them from the folder.
#define HC_CONCAT2(a, b) a##b
#define HC_CONCAT(a, b) HC_CONCAT2(a, b)

__attribute__((visibility("default"))) int HC_CONCAT(hostcuda_cudnn_, HC_PART)(void) {
    return 1;
}
