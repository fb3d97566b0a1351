/* Choosing the vCPU vendor layer for this machine. */
#include <asm/vcpu.h>

const struct vcpu_vendor_ops *vcpu_ops;

const char *arch_vcpu_select(void)
{
    const char *missing = svm_vcpu_ops.cpu_missing();

    if (!missing)
        vcpu_ops = &svm_vcpu_ops;
    return missing;
}
