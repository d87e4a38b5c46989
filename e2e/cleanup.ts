import { loadConfig } from "../server/config";
import { cleanup } from "../server/testing/fixtures";

await cleanup(loadConfig());
