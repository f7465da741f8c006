export { AwsDialectModule } from './aws.module';
export { servedOperations, NOT_SERVED } from './operations/table';
export { BLOB_FORMAT, decodeBlob, encodeContext } from './blob';
export { accountOf } from './arn';
export { awsOpenApi } from './openapi';
