// Syntax-check stub: see cuda_runtime_api.h (cuSPARSE names c10 refers to).
#pragma once
#include "cuda_runtime_api.h"
typedef enum { CUSPARSE_STATUS_SUCCESS = 0 } cusparseStatus_t;
typedef struct cusparseContext* cusparseHandle_t;
