// Syntax-check stub: see cuda_runtime_api.h (cuBLAS names c10 refers to).
#pragma once
#include "cuda_runtime_api.h"
typedef enum { CUBLAS_STATUS_SUCCESS = 0 } cublasStatus_t;
typedef struct cublasContext* cublasHandle_t;
