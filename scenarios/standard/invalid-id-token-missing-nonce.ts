import { standardProfile } from '../../conformance/profiles/standard.js'
import { invalidIdTokenScenario } from '../common.js'

export default invalidIdTokenScenario(standardProfile, 'missing-nonce')
