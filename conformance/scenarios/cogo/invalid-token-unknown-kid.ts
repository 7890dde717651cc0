import { cogoProfile } from '../../profiles/cogo.js'
import { invalidTokenScenario } from '../common.js'

/** The token endpoint issues a token the API refuses (`broken-token` fault, kind `unknown-kid`) once. */
export default invalidTokenScenario(cogoProfile, 'unknown-kid')
