import type { AxiosInstance } from 'axios';
import type { Requester } from './requester';

/**
 * The registry's requests through an axios instance: when a proxy is configured (axios reads
 * HTTP(S)_PROXY and NO_PROXY), or a test brings its own instance. Only the type of axios is
 * imported here, so a registry read without a proxy never loads axios.
 */
export function axiosRequester(http: AxiosInstance): Requester {
  return async (request) => {
    const res = await http.request<ArrayBuffer>({
      method: request.method,
      url: request.url.href,
      headers: request.headers,
      responseType: 'arraybuffer',
      maxContentLength: request.maxBytes,
      maxRedirects: 0,
      validateStatus: () => true,
      // Bodies stay Buffers both ways: axios's default transforms would only look at them.
      transformRequest: [],
      transformResponse: [],
      signal: request.signal,
    });
    // axios hands Node a Buffer already; copy only what is not one.
    const data = Buffer.isBuffer(res.data) ? res.data : Buffer.from(res.data ?? []);
    return {
      status: res.status,
      headers: res.headers as Record<string, string | string[] | undefined>,
      data,
    };
  };
}
